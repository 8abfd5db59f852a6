import net from 'node:net';
import { expect } from 'chai';
import type { UiNode } from '../../sim/ui.js';
import { PNG } from 'pngjs';
import { createAppRuntime, type SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { startUiAutomator2Instrumentation, type InstrumentationRun } from '../../sim/uiautomator/index.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { phoneRequest } from './uiautomator-support/phoneHttp.js';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const P = 'com.mi.globalbrowser';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

// The UiAutomator2 server on phone port 6790, started as `am instrument` starts it, driven over
// real HTTP the way the stock driver proxies to it, against the real apps layer (Mi Browser Pro).
describe('sim/uiautomator: the UiAutomator2 server speaks the driver protocol over HTTP', function () {
  this.timeout(20000);
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;
  let run: InstrumentationRun;
  let output: Promise<string>;
  let sid: string;
  const call = (method: string, path: string, body?: unknown) => phoneRequest(ctx, 6790, method, path, body);
  const s = (path: string) => `/session/${sid}${path}`;
  const find = async (strategy: string, selector: string) => {
    const r = await call('POST', s('/element'), { strategy, selector, context: '', multiple: false });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.value.ELEMENT).to.equal(r.body.value[ELEMENT]);
    return r.body.value[ELEMENT] as string;
  };

  before(async () => {
    ctx = new TestPhoneContext(loadProfile('redmi-note-8-2020'));
    runtime = createAppRuntime(ctx, { netLimits: { connectTimeoutMs: 500, responseTimeoutMs: 2000 } });
    const started = await runtime.startActivity({ package: P, activity: 'com.android.browser.BrowserActivity' }, { stopFirst: false });
    expect(started.ok).to.equal(true);
    // Mi Browser Pro shows search_hint until tapped; the protocol tests work on the editable url field.
    const walk = (n: UiNode): UiNode | null => (n.resourceId === `${P}:id/search_hint` ? n : n.children.map(walk).find((x) => x) ?? null);
    const hint = walk(runtime.ui.hierarchy());
    if (hint) await runtime.ui.click(hint.key);
    run = startUiAutomator2Instrumentation(ctx, runtime, { disableAnalytics: 'true' });
    output = readAll(run.output);
  });
  after(async () => {
    run?.kill();
    await runtime?.shutdown();
    ctx?.close();
  });

  it('reports ready on /status (with or without /wd/hub) and has no session yet', async () => {
    const status = await call('GET', '/status');
    expect(status.status).to.equal(200);
    expect(status.body.value).to.include({ ready: true, message: 'UiAutomator2 Server is ready to accept commands' });
    expect(status.body.value.build.version).to.match(/^\d+\.\d+\.\d+$/);
    expect((await call('GET', '/wd/hub/status')).body.value.ready).to.equal(true);
    expect((await call('GET', '/sessions')).body.value).to.deep.equal([]);
  });

  it('creates a session from W3C capabilities and answers the device-detail calls the driver makes', async () => {
    const caps = { platformName: 'Android', automationName: 'UiAutomator2', appPackage: P, deviceName: '127.0.0.1:5555' };
    const created = await call('POST', '/session', { capabilities: { firstMatch: [caps], alwaysMatch: {} } });
    expect(created.status).to.equal(200);
    sid = created.body.sessionId as string;
    expect(sid).to.be.a('string').and.equal(created.body.value.sessionId);
    expect(created.body.value.capabilities).to.deep.include(caps);
    expect((await call('GET', '/sessions')).body.value).to.deep.equal([{ id: sid, capabilities: caps }]);
    expect((await call('GET', s('/window/current/size'))).body.value).to.deep.equal({ width: 1080, height: 2340 });
    expect((await call('GET', s('/appium/device/pixel_ratio'))).body.value).to.equal(2.75);
    expect((await call('GET', s('/appium/device/system_bars'))).body.value).to.deep.equal({ statusBar: 66 });
    const info = (await call('GET', s('/appium/device/info'))).body.value;
    expect(info).to.include({ model: 'Redmi Note 8', manufacturer: 'Xiaomi', apiVersion: '29', platformVersion: '10', realDisplaySize: '1080x2340', displayDensity: 440 });
    expect(info.androidId).to.equal(ctx.profile.device.androidId);
    const settings = await call('POST', s('/appium/settings'), { settings: { allowInvisibleElements: true } });
    expect(settings.body.value.allowInvisibleElements).to.equal(true);
    await call('POST', s('/appium/settings'), { settings: { allowInvisibleElements: false } });
    expect((await call('GET', s('/appium/device/current_package'))).body.value).to.equal(P);
  });

  it('dismisses nothing it should not: a wrong session id is `invalid session id`, an unknown route `unknown command`', async () => {
    const wrong = await call('GET', '/session/nope/source');
    expect(wrong.status).to.equal(404);
    expect(wrong.body.value.error).to.equal('invalid session id');
    const unknown = await call('GET', s('/no/such/route'));
    expect(unknown.status).to.equal(404);
    expect(unknown.body.value.error).to.equal('unknown command');
    const badJson = await phoneRequest(ctx, 6790, 'POST', s('/element'), undefined, Buffer.from('{"strategy":'));
    expect(badJson.status).to.equal(400);
    expect(badJson.body.value.error).to.equal('invalid argument');
    const huge = await phoneRequest(ctx, 6790, 'POST', s('/element'), undefined, Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(huge.status).to.equal(400);
    expect(huge.body.value.message).to.match(/larger than/);
  });

  it('finds elements by id (short and full), accessibility id, class name, xpath and UiSelector, all the same node', async () => {
    const byShortId = await find('id', 'url');
    expect(await find('id', `${P}:id/url`)).to.equal(byShortId);
    expect(await find('class name', 'android.widget.EditText')).to.equal(byShortId);
    expect(await find('xpath', `//android.widget.EditText[@resource-id='${P}:id/url']`)).to.equal(byShortId);
    expect(await find('xpath', "//*[contains(@hint,'type URL') and @focusable='true'][1]")).to.equal(byShortId);
    expect(await find('-android uiautomator', `new UiSelector().resourceId("${P}:id/url")`)).to.equal(byShortId);
    expect(await find('accessibility id', 'Go')).to.equal(await find('-android uiautomator', 'new UiSelector().description("Go")'));
    const all = await call('POST', s('/elements'), { strategy: 'class name', selector: 'android.widget.ImageButton', context: '', multiple: true });
    // The browser's image buttons: Go, the menu and Home (the start page with its news feed).
    expect(all.body.value).to.have.length(3);
    const none = await call('POST', s('/elements'), { strategy: 'id', selector: 'nothing_here', context: '', multiple: true });
    expect(none.body.value).to.deep.equal([]);
    const missing = await call('POST', s('/element'), { strategy: 'id', selector: 'nothing_here', context: '', multiple: false });
    expect(missing.status).to.equal(404);
    expect(missing.body.value.error).to.equal('no such element');
    const badXpath = await call('POST', s('/element'), { strategy: 'xpath', selector: '//*[@text=', context: '', multiple: false });
    expect(badXpath.status).to.equal(400);
    expect(badXpath.body.value.error).to.equal('invalid selector');
    const badStrategy = await call('POST', s('/element'), { strategy: 'css selector', selector: 'a', context: '', multiple: false });
    expect(badStrategy.body.value.error).to.equal('invalid selector');
  });

  it('reads attributes, text, rect and name the way the real server reports them', async () => {
    const url = await find('id', 'url');
    const attr = async (name: string) => (await call('GET', s(`/element/${url}/attribute/${name}`))).body.value;
    expect(await attr('resource-id')).to.equal(`${P}:id/url`);
    expect(await attr('resourceId')).to.equal(`${P}:id/url`);
    expect(await attr('class')).to.equal('android.widget.EditText');
    expect(await attr('enabled')).to.equal('true');
    expect(await attr('checked')).to.equal('false');
    expect(await attr('displayed')).to.equal('true');
    expect(await attr('package')).to.equal(P);
    expect(await attr('content-desc')).to.equal(null);
    expect(await attr('bounds')).to.match(/^\[\d+,\d+\]\[\d+,\d+\]$/);
    // An empty EditText reports its hint as text (showing-hint), as Android does.
    expect((await call('GET', s(`/element/${url}/text`))).body.value).to.equal('Search or type URL');
    const unknownAttr = await call('GET', s(`/element/${url}/attribute/colour`));
    expect(unknownAttr.status).to.equal(400);
    expect(unknownAttr.body.value.message).to.match(/'colour' attribute is unknown/);
    const rect = (await call('GET', s(`/element/${url}/rect`))).body.value;
    expect(rect.width).to.be.greaterThan(0);
    expect(rect.height).to.be.greaterThan(0);
    const go = await find('accessibility id', 'Go');
    expect((await call('GET', s(`/element/${go}/name`))).body.value).to.equal('Go');
  });

  it('types into the address bar, appends, clears, and serves the page source in the dump format', async () => {
    // Any first-run dialog would cover the browser: accept it through the alert route.
    for (let i = 0; i < 3 && (await call('GET', s('/alert/text'))).status === 200; i++) await call('POST', s('/alert/accept'), {});
    const url = await find('id', 'url');
    expect((await call('POST', s(`/element/${url}/click`), { element: url })).status).to.equal(200);
    expect((await call('POST', s(`/element/${url}/clear`), { elementId: url })).status).to.equal(200);
    await call('POST', s(`/element/${url}/value`), { elementId: url, text: 'simulated.example', replace: false, value: [...'simulated.example'] });
    await call('POST', s(`/element/${url}/value`), { elementId: url, text: '/path?a=<b>&c="d"', replace: false });
    expect((await call('GET', s(`/element/${url}/text`))).body.value).to.equal('simulated.example/path?a=<b>&c="d"');
    expect((await call('GET', s('/element/active'))).body.value[ELEMENT]).to.equal(url);
    const source: string = (await call('GET', s('/source'))).body.value;
    expect(source.startsWith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<hierarchy index=\"0\" class=\"hierarchy\" rotation=\"0\" width=\"1080\" height=\"2340\">")).to.equal(true);
    const line = source.split('\n').find((l) => l.includes(`resource-id="${P}:id/url"`))!;
    expect(line).to.match(/^\s*<android\.widget\.EditText index="\d+" package="com\.mi\.globalbrowser" class="android\.widget\.EditText" text="simulated\.example\/path\?a=&lt;b&gt;&amp;c=&quot;d&quot;" resource-id="com\.mi\.globalbrowser:id\/url" checkable="false" checked="false" clickable="true" enabled="true" focusable="true" focused="true" long-clickable="false" password="false" scrollable="false" selected="false" bounds="\[\d+,\d+\]\[\d+,\d+\]" displayed="true" hint="Search or type URL"/);
    expect(source.trimEnd().endsWith('</hierarchy>')).to.equal(true);
    // Every opened tag is closed, in order.
    const stack: string[] = [];
    for (const m of source.matchAll(/<(\/?)([\w.]+)[^>]*?(\/?)>/g)) {
      if (m[1]) expect(stack.pop()).to.equal(m[2]);
      else if (!m[3]) stack.push(m[2]!);
    }
    expect(stack).to.deep.equal([]);
  });

  it('presses keys, goes back, and reports an element whose screen is gone as stale', async () => {
    const menu = await find('accessibility id', 'Menu');
    await call('POST', s(`/element/${menu}/click`), { element: menu });
    const settings = await find('-android uiautomator', 'new UiSelector().text("Settings")');
    const incognito = await find('xpath', `//android.widget.TextView[@text='Incognito mode']`);
    await call('POST', s(`/element/${settings}/click`), { element: settings });
    expect(await find('id', 'settings_title')).to.be.a('string');
    const stale = await call('GET', s(`/element/${incognito}/text`));
    expect(stale.status).to.equal(404);
    expect(stale.body.value.error).to.equal('stale element reference');
    const unknown = await call('GET', s('/element/not-an-id/text'));
    expect(unknown.body.value.error).to.equal('no such element');
    expect((await call('POST', s('/back'), {})).status).to.equal(200);
    // Back on the browser: Mi Browser Pro's address display (not editing) is search_hint.
    expect(await find('id', 'search_hint')).to.be.a('string');
    expect((await call('POST', s('/appium/device/press_keycode'), { keycode: 82 })).status).to.equal(200);
    expect(await find('id', 'menu_incognito')).to.be.a('string');
    const bad = await call('POST', s('/appium/device/press_keycode'), { keycode: 'BACK' });
    expect(bad.status).to.equal(400);
    expect(bad.body.value.message).to.match(/keycode/);
    await call('POST', s('/appium/device/press_keycode'), { keycode: 4 });
  });

  it('taps through W3C actions and returns screenshots as base64 PNGs of the screen', async () => {
    const menu = await find('accessibility id', 'Menu');
    const tap = { actions: [{ type: 'pointer', id: 'finger1', parameters: { pointerType: 'touch' }, actions: [{ type: 'pointerMove', duration: 0, origin: { [ELEMENT]: menu }, x: 0, y: 0 }, { type: 'pointerDown', button: 0 }, { type: 'pause', duration: 50 }, { type: 'pointerUp', button: 0 }] }] };
    expect((await call('POST', s('/actions'), tap)).status).to.equal(200);
    const item = await find('id', 'menu_incognito');
    await call('POST', s(`/element/${item}/click`), { element: item });
    expect((await call('GET', s(`/element/${await find('accessibility id', 'Incognito')}/attribute/resource-id`))).body.value).to.equal(`${P}:id/incognito_indicator`);
    const shot = (await call('GET', s('/screenshot'))).body.value as string;
    const png = PNG.sync.read(Buffer.from(shot, 'base64'));
    expect([png.width, png.height]).to.deep.equal([1080, 2340]);
    const part = PNG.sync.read(Buffer.from((await call('GET', s(`/element/${menu}/screenshot`))).body.value, 'base64'));
    const r = (await call('GET', s(`/element/${menu}/rect`))).body.value;
    expect([part.width, part.height]).to.deep.equal([r.width, r.height]);
  });

  it('answers an action whose effect outlasts waitForIdleTimeout at that limit, as the real server does', async () => {
    // A proxy that accepts and never answers: the page load hangs until the app's own timeout.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    ctx.reverses.set(8080, (silent.address() as net.AddressInfo).port);
    ctx.setProxy('127.0.0.1:8080');
    try {
      await call('POST', s('/appium/settings'), { settings: { waitForIdleTimeout: 300 } });
      // Not editing, Mi Browser Pro shows search_hint; a tap opens the editable url.
      const hint = await call('POST', s('/element'), { strategy: 'id', selector: 'search_hint', context: '', multiple: false });
      if (hint.status === 200) await call('POST', s(`/element/${hint.body.value[ELEMENT]}/click`), { element: hint.body.value[ELEMENT] });
      const url = await find('id', 'url');
      await call('POST', s(`/element/${url}/click`), { element: url });
      await call('POST', s(`/element/${url}/value`), { elementId: url, text: 'http://slow.example/', replace: true });
      const t0 = Date.now();
      const pressed = await call('POST', s('/appium/device/press_keycode'), { keycode: 66 });
      const took = Date.now() - t0;
      expect(pressed.status).to.equal(200);
      expect(took).to.be.within(250, 1500);
    } finally {
      await call('POST', s('/appium/settings'), { settings: { waitForIdleTimeout: 10000 } });
      ctx.setProxy(undefined);
      silent.close();
    }
  });

  it('ends the instrumentation after DELETE /session, printing the runner result, and stops listening', async () => {
    const deleted = await call('DELETE', `/session/${sid}`);
    expect(deleted.status).to.equal(200);
    expect(await run.done).to.equal(0);
    const text = await output;
    expect(text).to.match(/^INSTRUMENTATION_STATUS: class=io\.appium\.uiautomator2\.server\.test\.AppiumUiAutomator2Server\n/);
    expect(text).to.contain('INSTRUMENTATION_STATUS_CODE: 1\n');
    expect(text).to.match(/OK \(1 test\)\n\n\nINSTRUMENTATION_CODE: -1\n$/);
    let refused = false;
    await call('GET', '/status').catch(() => (refused = true));
    expect(refused).to.equal(true);
    expect(ctx.logs.some((l) => l.tag === 'appium' && /Deleted session/.test(l.message))).to.equal(true);
  });

  it('a force-stop ends a running server at once with a crashed-process result', async () => {
    const second = startUiAutomator2Instrumentation(ctx, runtime, {});
    const text = readAll(second.output);
    // The test context binds its loopback listener asynchronously: retry briefly until it answers.
    let status = null;
    for (let i = 0; i < 50 && !status; i++) status = await call('GET', '/status').catch(() => new Promise<null>((r) => setTimeout(() => r(null), 20)));
    expect(status?.body.value.ready).to.equal(true);
    second.kill();
    expect(await second.done).to.equal(0);
    expect(await text).to.match(/INSTRUMENTATION_RESULT: shortMsg=Process crashed\.\nINSTRUMENTATION_CODE: 0\n$/);
  });
});
