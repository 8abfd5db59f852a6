import zlib from 'node:zlib';
import { expect } from 'chai';
import type { SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { findNode } from './uiTree.js';
import type { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA, type Answer, type SeenRequest } from './net-testProxy.js';
import { appRuntime, contextThroughProxy, sensorsEvents } from './apps-phoneThroughProxy.js';

const MINT = 'com.mi.globalbrowser.mini';
const PRO = 'com.mi.globalbrowser';

describe('sim/apps: browsers driven through the UI seam', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;
  let token = 0;

  before(async () => {
    ca = new TestCA('browsers');
    proxy = new InterceptingProxy(ca);
    proxy.answer = (req): Answer => {
      const u = new URL(req.url);
      const hops = /^\/hop\/(\d+)$/.exec(u.pathname);
      if (hops) {
        const n = Number(hops[1]);
        return n > 0 ? { status: 302, headers: { location: `/hop/${n - 1}` } } : { body: '<title>Landed</title><p>after redirects</p>' };
      }
      if (u.pathname === '/gz') return { headers: { 'content-encoding': 'gzip' }, body: zlib.gzipSync('<html><title>Zipped &amp; fine</title><body><script>x()</script><h1>Hello</h1> world</body></html>') };
      return { body: `<html><head><title>Title of ${u.hostname}${u.pathname}</title><style>p{}</style></head><body><p>Text of ${u.href}</p></body></html>` };
    };
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });

  function boot(profileName: string, opts: { systemCA?: boolean; userCA?: boolean } = { systemCA: true }): SimAppRuntime {
    ctx = contextThroughProxy(loadProfile(profileName), proxy, ca, { system: opts.systemCA, user: opts.userCA });
    runtime = appRuntime(ctx);
    return runtime;
  }
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
  });

  const tree = () => runtime.ui.hierarchy();
  const byId = (id: string) => findNode(tree(), (n) => n.resourceId === id);
  const must = (id: string) => {
    const n = byId(id);
    if (!n) throw new Error(`no ${id} on screen: ${JSON.stringify(runtime.ui.focus())}`);
    return n;
  };
  async function launchPast(pkg: string) {
    // The launcher intent: each app's own launcher activity (Mint's is not the Mi apps' BrowserActivity).
    const r = await runtime.startActivity({ package: pkg }, { stopFirst: true });
    expect(r.ok).to.equal(true);
    for (let i = 0; i < 5 && byId('android:id/button1'); i++) await runtime.ui.click(must('android:id/button1').key);
  }
  /**
   * The editable address field: Mint's Chromium omnibox `url_bar`; Mi Browser / Pro show `search_hint`
   * until tapped, then the EditText `url` (privacytests.org's real Appium run).
   */
  async function edit(pkg: string) {
    if (pkg === MINT) return must(`${MINT}:id/url_bar`);
    const hint = byId(`${pkg}:id/search_hint`);
    if (hint) {
      expect(hint.className).to.equal('android.widget.TextView');
      await runtime.ui.click(hint.key);
    }
    return must(`${pkg}:id/url`);
  }
  async function visit(pkg: string, url: string) {
    await runtime.ui.setText((await edit(pkg)).key, url, { replace: true });
    await runtime.ui.pressKey(66);
  }
  // Mi Browser Pro's menu, incognito and settings elements have no ids in the 2020 profiles (no public
  // source names any): found by content-description and text, as on a build nobody has dumped.
  const byDesc = (desc: string) => {
    const n = findNode(tree(), (x) => x.contentDesc === desc);
    if (!n) throw new Error(`nothing described '${desc}' on screen`);
    return n;
  };
  const byText = (text: string) => {
    const n = findNode(tree(), (x) => x.text === text);
    if (!n) throw new Error(`no '${text}' on screen`);
    return n;
  };
  const proSwitch = () => {
    const n = findNode(tree(), (x) => x.className === 'android.widget.Switch');
    if (!n) throw new Error('no switch on screen');
    return n;
  };
  const unique = (label: string) => `${label}-${process.pid}-${++token}-${Date.now().toString(36)}`;
  const sensorsRequests = () => proxy.requests.filter((r) => r.host === 'sa.api.intl.miui.com');

  it('first-run dialogs cover the browser until accepted, in order, and stay accepted after a force-stop', async () => {
    boot('redmi-note-8-2020');
    await runtime.startActivity({ package: MINT }, { stopFirst: false });
    // Mint 3.4.0 is a Chromium fork: the real Sensors payload's $screen_name.
    expect(runtime.ui.focus()).to.deep.equal({ package: MINT, activity: 'com.miui.org.chromium.chrome.browser.ChromeTabbedActivity' });
    expect(must('android:id/alertTitle').text).to.equal('Welcome to Mint Browser');
    expect(must('android:id/button1').text).to.equal('Agree');
    expect(byId(`${MINT}:id/url_bar`), 'browser beneath is not usable').to.equal(null);
    await runtime.ui.pressKey(66); // keys do nothing to a covered browser
    await runtime.ui.click(must('android:id/button1').key);
    expect(must('android:id/alertTitle').text).to.equal('Set Mint Browser as default?');
    await runtime.ui.click(must('android:id/button1').key);
    expect(must(`${MINT}:id/url_bar`).hint).to.equal('Search or type URL');
    runtime.forceStop(MINT);
    await runtime.startActivity({ package: MINT }, { stopFirst: false });
    expect(byId('android:id/button1')).to.equal(null);
    runtime.clearData(MINT);
    await runtime.startActivity({ package: MINT }, { stopFirst: false });
    expect(must('android:id/alertTitle').text).to.equal('Welcome to Mint Browser');
  });

  it('typing a URL and pressing Enter loads it with the app\'s User-Agent; title, text and address bar follow', async () => {
    boot('redmi-note-8-2020');
    await launchPast(MINT);
    const path = unique('/page');
    await runtime.ui.click(must(`${MINT}:id/url_bar`).key);
    expect(must(`${MINT}:id/url_bar`).focused).to.equal(true);
    await visit(MINT, `http://news.example${path}`);
    expect(must(`${MINT}:id/title`).text).to.equal(`Title of news.example${path}`);
    const webview = must(`${MINT}:id/webview`);
    expect(webview.className).to.equal('android.webkit.WebView');
    expect(webview.children[0]!.text).to.equal(`Text of http://news.example${path}`);
    // Chromium's omnibox after a load: the host without scheme.
    expect(must(`${MINT}:id/url_bar`).text).to.equal('news.example');
    const req = proxy.requests.find((r) => r.url === `http://news.example${path}`)!;
    expect(req.headers['user-agent']).to.equal(loadProfile('redmi-note-8-2020').apps.find((a) => a.package === MINT)!.userAgent);
    expect(runtime.app(MINT)!.history().at(-1)!.url).to.equal(`http://news.example${path}`);
  });

  it('the Go button, typed hosts, gzip pages and redirects (at most 10) behave like a browser', async () => {
    boot('redmi-note-8-2020');
    await launchPast(PRO);
    await runtime.ui.setText((await edit(PRO)).key, 'gz.example/gz', { replace: true });
    await runtime.ui.click(must(`${PRO}:id/go`).key);
    expect(must(`${PRO}:id/title`).text).to.equal('Zipped & fine');
    expect(must(`${PRO}:id/webview`).children[0]!.text).to.equal('Hello world');
    await visit(PRO, 'https://r.example/hop/10');
    expect(must(`${PRO}:id/title`).text).to.equal('Landed');
    // Not editing, Mi Browser Pro shows the address in `search_hint` (what it reads after a load is unverified).
    expect(must(`${PRO}:id/search_hint`).text).to.equal('https://r.example/hop/0');
    await visit(PRO, 'https://r.example/hop/11');
    expect(must(`${PRO}:id/title`).text).to.equal('Webpage not available');
    expect(must(`${PRO}:id/webview`).children[0]!.text).to.contain('net::ERR_TOO_MANY_REDIRECTS');
  });

  it('a search goes to the profile\'s search URL, and the telemetry carries the query and the URL in normal mode', async () => {
    boot('redmi-note-8-2020');
    await launchPast(MINT);
    const query = unique('secret words');
    const before = sensorsRequests().length;
    await visit(MINT, query);
    const expectedUrl = `https://www.google.com/search?hl=en-GB&ie=UTF-8&source=android-browser&q=${query.replace(/ /g, '+')}&client=ms-android-xiaomi-rev2&gws_rd=ssl`;
    expect(proxy.requests.some((r) => r.url === expectedUrl)).to.equal(true);
    expect(sensorsRequests().length, 'batched, not sent yet').to.equal(before);
    await runtime.ui.pressKey(3); // home: background flush
    await proxy.waitFor(() => sensorsRequests().length > before, 5000, 'the Sensors batch');
    const req = sensorsRequests().at(-1)!;
    expect(req.url).to.equal('https://sa.api.intl.miui.com/sa?project=global_browser_mini&r=GB');
    expect(req.headers['user-agent']).to.match(/^Dalvik\/2\.1\.0 \(Linux; U; Android 10; Redmi Note 8 Build\/QKQ1\.200114\.002\)$/);
    expect(req.body.toString()).to.match(/^crc=-?\d+&gzip=1&data_list=/);
    const events = sensorsEvents(req);
    expect(events.map((e) => e.event)).to.deep.equal(['$AppViewScreen', 'search', 'page_load_event_start', 'page_load_event_finish']);
    expect(events[1]!.properties.search_word).to.equal(query);
    expect(events[2]!.properties.url).to.equal(expectedUrl);
    expect(events[2]!.properties).to.include({ $model: 'Redmi Note 8', $os_version: '10', $app_version: '3.4.0', miui_region: 'GB', $lib_version: '2.1.2' });
    expect(new Set(events.map((e) => e.distinct_id)).size).to.equal(1);
    // The parallel MiStatistics copy went out too (form field value = base64url of deflate of a JSON array).
    const mistatEvents = (r: SeenRequest) => JSON.parse(zlib.inflateSync(Buffer.from(new URLSearchParams(r.body.toString()).get('value') ?? '', 'base64url')).toString()) as Array<{ params: Record<string, string> }>;
    await proxy.waitFor(() => proxy.requests.some((r) => r.host === 'data.mistat.intl.xiaomi.com' && mistatEvents(r).some((e) => e.params.word === query)), 5000, 'the MiStatistics batch with the query');
  });

  it('menu -> Incognito mode shows the indicator and a fresh tab; the leaky 2020 build still reports the visit', async () => {
    boot('redmi-note-8-2020');
    await launchPast(MINT);
    await visit(MINT, 'http://before.example/');
    expect(byId(`${MINT}:id/incognito_indicator`)).to.equal(null);
    await runtime.ui.click(must(`${MINT}:id/menu_button`).key);
    expect(must(`${MINT}:id/menu_incognito`).text).to.equal('Incognito mode');
    await runtime.ui.click(must(`${MINT}:id/menu_incognito`).key);
    expect(must(`${MINT}:id/incognito_indicator`).contentDesc).to.equal('Incognito');
    expect(must(`${MINT}:id/url_bar`).text).to.equal('');
    const path = unique('/private');
    await visit(MINT, `https://private.example${path}`);
    expect(must(`${MINT}:id/title`).text).to.equal(`Title of private.example${path}`);
    expect(runtime.app(MINT)!.history().some((h) => h.url.includes(path)), 'incognito visits are not in history').to.equal(false);
    await runtime.ui.pressKey(82);
    expect(must(`${MINT}:id/menu_incognito`).text).to.equal('Exit incognito mode');
    await runtime.ui.pressKey(4); // closes the menu
    expect(byId(`${MINT}:id/menu_incognito`)).to.equal(null);
    await runtime.ui.pressKey(3);
    await proxy.waitFor(() => sensorsRequests().some((r) => sensorsEvents(r).some((e) => String(e.properties.url).includes(path))), 5000, 'the incognito visit in telemetry');
  });

  it('the updated build: switch on by default still leaks in incognito; switched off it silences incognito only', async () => {
    boot('redmi-note-8-2020-updated');
    await launchPast(PRO);
    await runtime.ui.click(byDesc('Menu').key);
    await runtime.ui.click(byText('Settings').key);
    expect(byText('Settings').className).to.equal('android.widget.TextView');
    const sw = proSwitch();
    expect(sw).to.include({ className: 'android.widget.Switch', checkable: true, checked: true });
    expect(findNode(tree(), (n) => n.text === 'Enhanced Incognito Mode')).to.not.equal(null);
    await runtime.ui.pressKey(4);
    expect(findNode(tree(), (x) => x.className === 'android.widget.Switch')).to.equal(null);
    // Incognito with the default switch: reported.
    await runtime.ui.click(byDesc('Menu').key);
    await runtime.ui.click(byText(runtime.app(PRO)?.incognito ? 'Exit incognito mode' : 'Incognito mode').key);
    const leaked = unique('/leaked');
    await visit(PRO, `https://site.example${leaked}`);
    // Switch off, still in incognito: silenced.
    await runtime.ui.click(byDesc('Menu').key);
    await runtime.ui.click(byText('Settings').key);
    await runtime.ui.click(proSwitch().key);
    expect(proSwitch().checked).to.equal(false);
    await runtime.ui.pressKey(4);
    const silenced = unique('/silenced');
    await visit(PRO, `https://site.example${silenced}`);
    // Normal mode with the switch off: reported (the switch only covers incognito).
    await runtime.ui.click(byDesc('Menu').key);
    await runtime.ui.click(byText(runtime.app(PRO)?.incognito ? 'Exit incognito mode' : 'Incognito mode').key);
    const normal = unique('/normal');
    await visit(PRO, `https://site.example${normal}`);
    await runtime.ui.pressKey(3);
    await runtime.whenIdle();
    const urls = sensorsRequests().flatMap((r) => sensorsEvents(r).map((e) => String(e.properties.url ?? '')));
    expect(urls.some((u) => u.includes(leaked))).to.equal(true);
    expect(urls.some((u) => u.includes(normal))).to.equal(true);
    expect(urls.some((u) => u.includes(silenced))).to.equal(false);
    const events = sensorsRequests().flatMap(sensorsEvents);
    expect(events.at(-1)!.properties).to.include({ android_id: ctx.profile.device.androidId, mobile_operator: 'EE', $app_version: '12.1.4' });
  });

  it('Back walks the history, then leaves the app for the launcher and flushes its telemetry', async () => {
    boot('redmi-note-8-2020');
    await launchPast(MINT);
    await visit(MINT, 'http://one.example/');
    await visit(MINT, 'http://two.example/');
    await runtime.ui.click(must(`${MINT}:id/url_bar`).key);
    await runtime.ui.pressKey(4); // first Back leaves the address bar
    expect(must(`${MINT}:id/url_bar`).focused).to.equal(false);
    await runtime.ui.pressKey(4);
    expect(must(`${MINT}:id/url_bar`).text).to.equal('one.example');
    expect(must(`${MINT}:id/title`).text).to.equal('Title of one.example/');
    const before = sensorsRequests().length;
    await runtime.ui.pressKey(4);
    expect(runtime.ui.focus()).to.deep.equal({ package: 'com.miui.home', activity: 'com.miui.home.launcher.Launcher' });
    expect(findNode(tree(), (n) => n.text === 'Mint Browser' && n.clickable === true)).to.not.equal(null);
    await proxy.waitFor(() => sensorsRequests().length > before, 5000, 'the flush on leaving');
    expect(runtime.pids().some((p) => p.package === MINT), 'process stays cached').to.equal(true);
  });

  it('a retail phone with the CA in the user store: pages load, telemetry is refused at the handshake and logged', async () => {
    boot('redmi-note-8-retail', { userCA: true });
    await launchPast(MINT);
    const path = unique('/seen');
    const beforeRejections = proxy.tlsRejections.length;
    await visit(MINT, `https://shop.example${path}`);
    expect(must(`${MINT}:id/title`).text).to.equal(`Title of shop.example${path}`);
    const before = sensorsRequests().length;
    await runtime.ui.pressKey(3);
    await runtime.whenIdle();
    expect(sensorsRequests().length).to.equal(before);
    const rejected = () => proxy.tlsRejections.slice(beforeRejections).map((r) => r.host);
    await proxy.waitFor(() => rejected().includes('sa.api.intl.miui.com') && rejected().includes('data.mistat.intl.xiaomi.com'), 3000, 'both SDK handshakes rejected');
    expect(rejected()).not.to.include('shop.example');
    expect(ctx.logs.some((l) => l.priority === 6 && /Trust anchor for certification path not found.*sa\.api\.intl\.miui\.com/.test(l.message))).to.equal(true);
  });

  it('a page whose certificate the app does not trust shows Chromium\'s error page, with no clear-text retry', async () => {
    boot('redmi-note-8-retail', {});
    await launchPast(PRO);
    const path = unique('/untrusted');
    await visit(PRO, `https://bank.example${path}`);
    expect(must(`${PRO}:id/title`).text).to.equal('Webpage not available');
    expect(must(`${PRO}:id/webview`).children[0]!.text).to.contain('net::ERR_CERT_AUTHORITY_INVALID');
    expect(proxy.requests.some((r) => r.url.includes(path))).to.equal(false);
    expect(ctx.logs.some((l) => l.tag === 'chromium' && l.message.includes('net_error -202'))).to.equal(true);
  });
});
