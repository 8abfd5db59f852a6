import zlib from 'node:zlib';
import { expect } from 'chai';
import type { SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { findNode } from './uiTree.js';
import { sh } from './android-support.js';
import { phoneWithApps } from './android-support-apps.js';
import type { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA, type SeenRequest } from './net-testProxy.js';
import { appRuntime, contextThroughProxy } from './apps-phoneThroughProxy.js';

/** MIUI analytics' events as the 2020 profile sends them: form field data = base64 of gzip of JSON. */
function uiEvent(req: SeenRequest): { event: string; screen: string; model: string } {
  const form = new URLSearchParams(req.body.toString());
  expect(form.get('sender')).to.equal('com.miui.home');
  return JSON.parse(zlib.gunzipSync(Buffer.from(form.get('data') ?? '', 'base64')).toString()) as never;
}

describe('sim/apps: the MIUI system layer (launcher screens and folders, shade, Settings) and its telemetry', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;

  before(async () => {
    ca = new TestCA('systemui');
    proxy = new InterceptingProxy(ca);
    proxy.answer = () => ({ body: 'ok' });
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });

  async function boot(profileName: string): Promise<SimAppRuntime> {
    ctx = contextThroughProxy(loadProfile(profileName), proxy, ca);
    runtime = appRuntime(ctx);
    // Service apps (MIUI analytics) start at boot, on the next turn of the event loop.
    await new Promise((r) => setImmediate(r));
    return runtime;
  }
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
    proxy.requests.length = 0;
  });

  const tree = () => runtime.ui.hierarchy();
  const byId = (id: string) => findNode(tree(), (n) => n.resourceId === id);
  const must = (id: string) => {
    const n = byId(id);
    if (!n) throw new Error(`no ${id} on screen: ${JSON.stringify(runtime.ui.focus())}`);
    return n;
  };
  const workspace = () => must('com.miui.home:id/workspace').contentDesc;
  const { width, height } = { width: 1080, height: 2340 };

  /** The four things Forbes' researcher did, through the UI seam UiAutomator2 uses. */
  async function actOutTheFinding(): Promise<void> {
    const folder = findNode(tree(), (n) => n.contentDesc === 'Folder: Mi tools')!;
    await runtime.ui.click(folder.key);
    expect(must('com.miui.home:id/folder_title').text).to.equal('Mi tools');
    expect(findNode(must('com.miui.home:id/folder_content'), (n) => n.text === 'Compass'), 'the folder shows its apps').to.not.equal(null);
    await runtime.ui.pressKey(4);
    expect(byId('com.miui.home:id/folder')).to.equal(null);
    await runtime.ui.swipe(width * 0.85, height / 2, width * 0.15, height / 2, 300);
    await runtime.ui.swipe(width * 0.5, 10, width * 0.5, height * 0.6, 300);
    await runtime.ui.pressKey(3);
    await runtime.startActivity({ package: 'com.android.settings' }, { stopFirst: false });
  }

  it('home screens change with a sideways swipe on the launcher, and only there, bounded by their number', async () => {
    await boot('redmi-note-8-2020');
    expect(runtime.ui.focus()).to.deep.equal({ package: 'com.miui.home', activity: 'com.miui.home.launcher.Launcher' });
    expect(workspace()).to.equal('Home screen 1 of 3');
    await runtime.ui.swipe(width * 0.15, height / 2, width * 0.85, height / 2, 300); // no screen to the left
    expect(workspace()).to.equal('Home screen 1 of 3');
    await runtime.ui.swipe(width * 0.55, height / 2, width * 0.5, height / 2, 300); // too short to turn a page
    expect(workspace()).to.equal('Home screen 1 of 3');
    for (const n of [2, 3, 3]) {
      await runtime.ui.swipe(width * 0.85, height / 2, width * 0.15, height / 2, 300);
      expect(workspace()).to.equal(`Home screen ${n} of 3`);
    }
    // The folder lives on screen 1; browsers' icons too.
    expect(findNode(tree(), (n) => n.contentDesc === 'Folder: Mi tools')).to.equal(null);
    await runtime.ui.swipe(width * 0.15, height / 2, width * 0.85, height / 2, 300);
    await runtime.ui.swipe(width * 0.15, height / 2, width * 0.85, height / 2, 300);
    expect(findNode(tree(), (n) => n.contentDesc === 'Folder: Mi tools')).to.not.equal(null);
  });

  it("the 2020 phone's MIUI analytics sends the folder, home screen, shade and Settings page shown to tracking.intl.miui.com", async () => {
    await boot('redmi-note-8-2020');
    await actOutTheFinding();
    expect(runtime.ui.focus()).to.deep.equal({ package: 'com.android.settings', activity: 'com.android.settings.MainSettings' });
    expect(findNode(tree(), (n) => n.text === 'Settings')).to.not.equal(null);
    await runtime.whenIdle();
    const sent = proxy.requests.filter((r) => r.host === 'tracking.intl.miui.com');
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).to.deep.equal(Array(4).fill('POST /track/spock'));
    expect(sent.map(uiEvent).map((e) => [e.event, e.screen])).to.deep.equal([
      ['folder-opened', 'Mi tools'],
      ['home-screen', 'Home screen 2 of 3'],
      ['status-bar', 'Notification shade'],
      ['settings-opened', 'com.android.settings.MainSettings'],
    ]);
    expect(uiEvent(sent[0]!).model).to.equal('Redmi Note 8');
  });

  it('the clean control has the same system layer and sends nothing of it', async () => {
    await boot('clean-control');
    await actOutTheFinding();
    expect(runtime.ui.focus()?.activity).to.equal('com.android.settings.MainSettings');
    await runtime.whenIdle();
    expect(proxy.requests.map((r) => r.host)).to.deep.equal([]);
  });

  it('the shade opens only from the status bar, covers the screen until swiped up, Back or Home, over apps too', async () => {
    await boot('redmi-note-8-2020');
    await runtime.ui.swipe(width * 0.5, 400, width * 0.5, height * 0.6, 300); // below the status bar
    expect(byId('com.android.systemui:id/notification_panel')).to.equal(null);
    await runtime.ui.swipe(width * 0.5, 10, width * 0.5, height * 0.6, 300);
    expect(must('com.android.systemui:id/notification_panel').contentDesc).to.equal('Notification shade');
    expect(byId('com.miui.home:id/workspace'), 'the shade covers the launcher').to.equal(null);
    await runtime.ui.swipe(width * 0.5, height * 0.8, width * 0.5, height * 0.2, 300);
    expect(byId('com.android.systemui:id/notification_panel')).to.equal(null);
    await runtime.startActivity({ package: 'com.android.settings' }, { stopFirst: false });
    await runtime.ui.swipe(width * 0.5, 5, width * 0.5, height * 0.5, 300);
    expect(byId('com.android.systemui:id/notification_panel')).to.not.equal(null);
    await runtime.ui.pressKey(4);
    expect(must('com.android.settings:id/action_bar_title').text, 'Back closed the shade, not Settings').to.equal('Settings');
    await runtime.ui.pressKey(4);
    expect(runtime.ui.focus()?.package).to.equal('com.miui.home');
  });

  it('adb reaches it as on Android: am start -a android.settings.SETTINGS, cmd statusbar expand-notifications / collapse', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const fired: string[] = [];
      await new Promise((r) => setImmediate(r));
      phone.runtime.app('com.miui.analytics')!.telemetry.on('queued', ({ rule }) => fired.push(rule));
      const started = await sh(phone.device, 'am start -W -a android.settings.SETTINGS');
      expect(started.code).to.equal(0);
      expect(started.stdout).to.contain('Starting: Intent { act=android.settings.SETTINGS }');
      expect(started.stdout).to.contain('Activity: com.android.settings/com.android.settings.MainSettings');
      expect((await sh(phone.device, 'cmd statusbar expand-notifications')).code).to.equal(0);
      expect(findNode(phone.runtime.ui.hierarchy(), (n) => n.resourceId === 'com.android.systemui:id/notification_panel')).to.not.equal(null);
      expect((await sh(phone.device, 'cmd statusbar collapse')).code).to.equal(0);
      expect(findNode(phone.runtime.ui.hierarchy(), (n) => n.resourceId === 'com.android.systemui:id/notification_panel')).to.equal(null);
      const unknown = await sh(phone.device, 'cmd statusbar bogus');
      expect([unknown.code, unknown.stderr]).to.deep.equal([255, 'Unknown command: bogus\n']);
      expect((await sh(phone.device, 'am start -n com.android.settings/.Settings')).stderr, 'MIUI names its main page MainSettings').to.contain('does not exist');
      expect(fired).to.deep.equal(['miui.analytics.ui', 'miui.analytics.ui']);
    } finally {
      await phone.close();
    }
  });
});
