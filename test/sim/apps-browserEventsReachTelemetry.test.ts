import { expect } from 'chai';
import type { SimAppRuntime } from '../../sim/apps/index.js';
import { downloadOf } from '../../sim/apps/pageLoader.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { UiNode } from '../../sim/ui.js';
import { findNodes } from './uiTree.js';
import type { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA, type Answer } from './net-testProxy.js';
import { appRuntime, contextThroughProxy, sensorsEvents } from './apps-phoneThroughProxy.js';

const MINT = 'com.mi.globalbrowser.mini';

/** The 2020 browsers' other events (issue #16) in the simulated Mint: start page feed, share panel, download dialog. */
describe('sim/apps: the news feed, a share and a download are browser events with their own telemetry', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;

  before(async () => {
    ca = new TestCA('events');
    proxy = new InterceptingProxy(ca);
    proxy.answer = (req): Answer => {
      const u = new URL(req.url);
      if (u.pathname.endsWith('.zip')) return { headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="report.zip"' }, body: 'PK' };
      return { body: `<html><head><title>Title of ${u.pathname}</title></head><body>ok</body></html>` };
    };
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });

  function boot(profile: string): void {
    ctx = contextThroughProxy(loadProfile(profile), proxy, ca);
    runtime = appRuntime(ctx);
  }
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
  });

  const all = (pred: (n: UiNode) => boolean) => findNodes(runtime.ui.hierarchy(), pred);
  const one = (pred: (n: UiNode) => boolean, what: string) => {
    const n = all(pred)[0];
    if (!n) throw new Error(`no ${what} on screen`);
    return n;
  };
  const byId = (id: string) => one((n) => n.resourceId === `${MINT}:id/${id}`, id);
  const byText = (text: string) => one((n) => n.text === text, `'${text}'`);
  async function launch(): Promise<void> {
    expect((await runtime.startActivity({ package: MINT }, { stopFirst: true })).ok).to.equal(true);
    for (let i = 0; i < 5 && all((n) => n.resourceId === 'android:id/button1').length > 0; i++) await runtime.ui.click(one((n) => n.resourceId === 'android:id/button1', 'a dialog button').key);
  }
  async function open(url: string): Promise<void> {
    await runtime.ui.setText(byId('url_bar').key, `${url}\n`, { replace: true });
    await runtime.whenIdle();
  }
  const sensors = () => proxy.requests.filter((r) => r.host === 'sa.api.intl.miui.com');
  async function flushedEvents(before: number): Promise<Array<{ event: string; properties: Record<string, unknown> }>> {
    await runtime.ui.pressKey(3); // Home: the Sensors batch is flushed
    await proxy.waitFor(() => sensors().length > before, 5000, 'the Sensors batch');
    return sensors().slice(before).flatMap(sensorsEvents);
  }

  it('Home shows the news feed; every item shown is reported viewed with its title and URL', async () => {
    boot('redmi-note-8-2020');
    await launch();
    const before = sensors().length;
    await runtime.ui.click(one((n) => n.contentDesc === 'Home', 'the Home button').key);
    const titles = all((n) => n.resourceId === `${MINT}:id/feed_title`).map((n) => n.text);
    expect(titles).to.have.length(4);
    const viewed = (await flushedEvents(before)).filter((e) => e.event === 'news_feed_item_view');
    expect(viewed.map((e) => e.properties.title)).to.deep.equal(titles);
    expect(viewed.map((e) => e.properties.position)).to.deep.equal([1, 2, 3, 4]);
    for (const e of viewed) expect(e.properties.url).to.match(/^https:\/\/feed\.example\.org\/article\/[0-9a-f]{12}$/);
  });

  it('menu › Share › Copy link reports the page shared; the panel closes and the page stays', async () => {
    boot('redmi-note-8-2020');
    await launch();
    await open('https://news.example/shared?x=1');
    const before = sensors().length;
    await runtime.ui.click(byId('menu_button').key);
    await runtime.ui.click(byText('Share').key);
    expect(all((n) => n.resourceId === `${MINT}:id/share_target`).map((n) => n.text)).to.deep.equal(['Copy link', 'Messages', 'Email']);
    await runtime.ui.click(byText('Copy link').key);
    expect(all((n) => n.resourceId === `${MINT}:id/share_sheet`)).to.have.length(0);
    expect(byId('title').text).to.equal('Title of /shared');
    const shared = (await flushedEvents(before)).filter((e) => e.event === 'share');
    expect(shared.map((e) => [e.properties.url, e.properties.share_channel])).to.deep.equal([['https://news.example/shared?x=1', 'Copy link']]);
  });

  it('a file answered as an attachment asks before downloading; Download reports its URL, no page load does, and the tab keeps its page', async () => {
    boot('redmi-note-8-2020');
    await launch();
    await open('https://news.example/before');
    const before = sensors().length;
    await open('https://files.example/get/report.zip');
    expect(one((n) => n.resourceId === 'android:id/alertTitle', 'the dialog title').text).to.equal('Download file');
    expect(one((n) => n.resourceId === 'android:id/message', 'the dialog message').text).to.equal('report.zip');
    await runtime.ui.click(byText('Download').key);
    expect(all((n) => n.resourceId === 'android:id/alertTitle')).to.have.length(0);
    expect(byId('title').text).to.equal('Title of /before');
    const events = await flushedEvents(before);
    expect(events.filter((e) => e.event === 'download').map((e) => [e.properties.url, e.properties.file_name])).to.deep.equal([['https://files.example/get/report.zip', 'report.zip']]);
    expect(events.filter((e) => String(e.event).startsWith('page_load')).map((e) => e.properties.url)).to.not.include('https://files.example/get/report.zip');
  });

  it('Cancel (or Back) in the download dialog reports nothing', async () => {
    boot('redmi-note-8-2020');
    await launch();
    const before = sensors().length;
    await open('https://files.example/a.zip');
    await runtime.ui.click(byText('Cancel').key);
    await open('https://files.example/b.zip');
    await runtime.ui.pressKey(4);
    expect(all((n) => n.resourceId === 'android:id/alertTitle')).to.have.length(0);
    expect((await flushedEvents(before)).filter((e) => e.event === 'download')).to.deep.equal([]);
  });

  it('the clean control has the same start page, share panel and dialog, and reports none of it', async () => {
    boot('clean-control');
    await launch();
    const before = proxy.requests.length;
    await runtime.ui.click(one((n) => n.contentDesc === 'Home', 'the Home button').key);
    expect(all((n) => n.resourceId === `${MINT}:id/feed_title`)).to.have.length(4);
    await open('https://files.example/c.zip');
    await runtime.ui.click(byText('Download').key);
    await runtime.ui.pressKey(3);
    await runtime.whenIdle();
    // The file's own request only: no telemetry anywhere.
    expect(proxy.requests.slice(before).map((r) => r.url)).to.deep.equal(['https://files.example/c.zip']);
  });

  it('what is a download: an attachment, or a type a browser does not render (Chromium); pages are not', () => {
    expect(downloadOf('https://x.example/a/b.bin', 'text/html', 'attachment; filename="r.pdf"')).to.deep.equal({ fileName: 'r.pdf', mimeType: 'text/html' });
    expect(downloadOf('https://x.example/a/app.apk', 'application/vnd.android.package-archive', undefined)).to.deep.equal({ fileName: 'app.apk', mimeType: 'application/vnd.android.package-archive' });
    expect(downloadOf('https://x.example/a/page', 'text/html; charset=utf-8', 'inline')).to.equal(undefined);
    expect(downloadOf('https://x.example/a/x.zip', undefined, undefined)).to.equal(undefined);
  });
});
