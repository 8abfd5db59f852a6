import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createAppRuntime, uiautomator2Instrumentation, type SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { UiNode } from '../../sim/ui.js';
import { findNode } from './uiTree.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';

const center = (n: UiNode): [number, number] => [(n.bounds[0] + n.bounds[2]) / 2, (n.bounds[1] + n.bounds[3]) / 2];

describe('sim/apps: the runtime the Android model calls', function () {
  this.timeout(20000);
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
  });
  function boot(name: string, options: Parameters<typeof createAppRuntime>[1] = {}) {
    ctx = new TestPhoneContext(loadProfile(name));
    runtime = createAppRuntime(ctx, options);
    return runtime;
  }

  it('lists the profile\'s apps, the launcher and the Appium packages the stock driver expects', () => {
    boot('redmi-note-8-2020');
    const names = runtime.packages().map((p) => p.name);
    expect(names).to.include.members(['com.android.browser', 'com.mi.globalbrowser', 'com.mi.globalbrowser.mini', 'com.miui.home', 'io.appium.uiautomator2.server', 'io.appium.uiautomator2.server.test', 'io.appium.settings']);
    const mint = runtime.packages().find((p) => p.name === 'com.mi.globalbrowser.mini')!;
    expect(mint).to.include({ version: '3.4.0' });
    expect(mint.apkPath).to.match(/^\/data\/app\/com\.mi\.globalbrowser\.mini-[A-Za-z0-9_-]+==\/base\.apk$/);
    expect(new Set(runtime.packages().map((p) => p.uid)).size).to.equal(names.length);
  });

  it('am start: resolves the launcher activity, reports Android\'s error for unknown ones, and -S restarts the process', async () => {
    boot('redmi-note-8-2020');
    expect(runtime.focus()).to.deep.equal({ package: 'com.miui.home', activity: 'com.miui.home.launcher.Launcher' });
    const bad = await runtime.startActivity({ package: 'com.mi.globalbrowser', activity: '.Nope' }, { stopFirst: false });
    expect(bad).to.deep.equal({ ok: false, error: 'Error: Activity class {com.mi.globalbrowser/com.mi.globalbrowser.Nope} does not exist.' });
    expect((await runtime.startActivity({ package: 'com.example.absent' }, { stopFirst: false })).ok).to.equal(false);
    const cold = await runtime.startActivity({ package: 'com.mi.globalbrowser', activity: 'com.android.browser.BrowserActivity' }, { stopFirst: false });
    expect(cold.ok && cold.totalTimeMs).to.be.greaterThan(0);
    const pid1 = runtime.pids().find((p) => p.package === 'com.mi.globalbrowser')!.pid;
    await runtime.startActivity({ package: 'com.mi.globalbrowser' }, { stopFirst: false });
    expect(runtime.pids().find((p) => p.package === 'com.mi.globalbrowser')!.pid, 'warm start keeps the process').to.equal(pid1);
    await runtime.startActivity({ package: 'com.mi.globalbrowser' }, { stopFirst: true });
    expect(runtime.pids().find((p) => p.package === 'com.mi.globalbrowser')!.pid).to.not.equal(pid1);
    expect(runtime.pids().find((p) => p.package === 'com.mi.globalbrowser')!.user).to.match(/^u0_a\d+$/);
    runtime.forceStop('com.mi.globalbrowser');
    expect(runtime.pids().some((p) => p.package === 'com.mi.globalbrowser')).to.equal(false);
    expect(runtime.focus()!.package).to.equal('com.miui.home');
    expect(ctx.logs.some((l) => l.tag === 'ActivityManager' && l.message.startsWith('Force stopping com.mi.globalbrowser'))).to.equal(true);
    expect((await runtime.startActivity({ package: 'io.appium.settings', activity: 'io.appium.settings.Settings' }, { stopFirst: false })).ok).to.equal(true);
  });

  it('input taps, text and keys reach the app: launcher icon, address bar, DEL, POWER', async () => {
    boot('redmi-note-8-2020');
    const icon = findNode(runtime.ui.hierarchy(), (n) => n.contentDesc === 'Mi Browser Pro')!;
    await runtime.input.tap(...center(icon));
    expect(runtime.focus()!.package).to.equal('com.mi.globalbrowser');
    // Mi Browser Pro's home bar is the TextView search_hint; a tap opens the EditText url.
    const hint = findNode(runtime.ui.hierarchy(), (n) => n.resourceId === 'com.mi.globalbrowser:id/search_hint')!;
    await runtime.input.tap(...center(hint));
    await runtime.input.text('abcd');
    await runtime.input.keyevent(67);
    expect(findNode(runtime.ui.hierarchy(), (n) => n.resourceId === 'com.mi.globalbrowser:id/url')!.text).to.equal('abc');
    expect(runtime.screenOn()).to.equal(true);
    await runtime.input.keyevent(26);
    expect(runtime.screenOn()).to.equal(false);
    await runtime.input.keyevent(224);
    expect(runtime.screenOn()).to.equal(true);
  });

  it('UiDriver rejects stale and non-actionable elements with the reason', async () => {
    boot('redmi-note-8-2020');
    await runtime.startActivity({ package: 'com.mi.globalbrowser' }, { stopFirst: false });
    const title = findNode(runtime.ui.hierarchy(), (n) => n.resourceId === 'com.mi.globalbrowser:id/title')!;
    // No id on Pro's menu button in the 2020 profile (unverified ids): found by its content-description.
    const menu = findNode(runtime.ui.hierarchy(), (n) => n.contentDesc === 'Menu')!;
    let error = await runtime.ui.click(title.key).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/is not clickable/);
    error = await runtime.ui.setText(menu.key, 'x', { replace: true }).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/is not editable/);
    await runtime.ui.click(menu.key);
    await runtime.ui.click(findNode(runtime.ui.hierarchy(), (n) => n.resourceId === 'com.mi.globalbrowser:id/menu_settings')!.key);
    error = await runtime.ui.click(title.key).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/stale element: .* no longer on screen \(the screen is now Mi Browser Pro settings\)/);
  });

  it('am instrument of the UiAutomator2 runner is delegated (its process shows in ps while it runs); others get null', async () => {
    const calls: Array<Record<string, string>> = [];
    boot('redmi-note-8-2020', {
      startInstrumentation: (c, rt, args) => {
        calls.push(args);
        expect(c).to.equal(ctx);
        expect(rt).to.equal(runtime);
        const output = new PassThrough();
        let finish: (code: number) => void = () => {};
        const done = new Promise<number>((resolve) => (finish = resolve));
        output.write('INSTRUMENTATION_STATUS: started\n');
        return { output, done, kill: () => (output.end('INSTRUMENTATION_STATUS_CODE: -1\n'), finish(0)) };
      },
    });
    expect(runtime.instrument('com.example.test/androidx.test.runner.AndroidJUnitRunner', {})).to.equal(null);
    const handle = runtime.instrument(uiautomator2Instrumentation, { disableAnalytics: 'true' })!;
    expect(calls).to.deep.equal([{ disableAnalytics: 'true' }]);
    expect(runtime.pids().some((p) => p.package === 'io.appium.uiautomator2.server')).to.equal(true);
    runtime.forceStop('io.appium.uiautomator2.server');
    expect(await handle.done).to.equal(0);
    expect(runtime.pids().some((p) => p.package === 'io.appium.uiautomator2.server')).to.equal(false);
  });

  it('screencap hands the current hierarchy and display to the renderer', async () => {
    let seen: { root: UiNode; width: number } | null = null;
    boot('redmi-note-8-2020', { renderScreen: (root, display) => ((seen = { root, width: display.width }), Buffer.from('PNG')) });
    await runtime.startActivity({ package: 'com.mi.globalbrowser.mini' }, { stopFirst: false });
    expect((await runtime.screencap()).toString()).to.equal('PNG');
    expect(seen!.width).to.equal(1080);
    expect(findNode(seen!.root, (n) => n.resourceId === 'android:id/alertTitle')).to.not.equal(null);
  });
});

describe('sim/apps: the Redmi 1S service reports identifiers and new contacts over plain HTTP', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  before(async () => {
    ca = new TestCA('r1s');
    proxy = new InterceptingProxy(ca);
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });

  it('boot registration fails without a proxy (logged); with one, contact-added sends IMEI, number, carrier and the contact', async () => {
    const profile = loadProfile('redmi-1s-2014');
    const ctx = new TestPhoneContext(profile);
    const runtime = createAppRuntime(ctx);
    try {
      await new Promise((r) => setTimeout(r, 50)); // boot
      await runtime.whenIdle();
      expect(runtime.pids().some((p) => p.package === 'com.xiaomi.xmsf')).to.equal(true);
      expect(ctx.logs.some((l) => l.tag === 'xmsf.register.boot' && l.message.includes('api.account.xiaomi.com'))).to.equal(true);
      ctx.reverses.set(8080, proxy.port);
      ctx.setProxy('127.0.0.1:8080');
      runtime.contactAdded({ name: 'Test', number: '+919800000042' });
      await runtime.whenIdle();
      const req = proxy.requests.find((r) => r.url === 'http://api.account.xiaomi.com/cloudmsg/contacts')!;
      expect(req.scheme).to.equal('http');
      const form = new URLSearchParams(req.body.toString());
      expect(Object.fromEntries(form)).to.deep.equal({ imei: profile.device.imei, phone: profile.device.phoneNumber, carrier: 'Airtel', contact: '+919800000042' });
      expect(req.headers['content-type']).to.equal('application/x-www-form-urlencoded');
    } finally {
      await runtime.shutdown();
    }
  });
});
