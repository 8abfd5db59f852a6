import { expect } from 'chai';
import { createAppRuntime, type SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { UiNode } from '../../sim/ui.js';
import { findNode } from './uiTree.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA, type Answer } from './net-testProxy.js';
import { appRuntime, contextThroughProxy } from './apps-phoneThroughProxy.js';

const MINT = 'com.mi.globalbrowser.mini';
const PRO = 'com.mi.globalbrowser';
const KEY_DEL = 67;
const KEY_BACK = 4;

/** The address bars as sim/EVIDENCE.md "Browsers" cites them: Mint's Chromium omnibox, Mi Browser Pro's search_hint → url. */
describe('sim/apps: the address bars behave as the real apps', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;

  before(async () => {
    ca = new TestCA('address-bars');
    proxy = new InterceptingProxy(ca);
    proxy.answer = (req): Answer => ({ body: `<html><head><title>Title of ${new URL(req.url).pathname}</title></head><body>ok</body></html>` });
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });
  beforeEach(async () => {
    ctx = contextThroughProxy(loadProfile('redmi-note-8-2020'), proxy, ca);
    runtime = appRuntime(ctx);
  });
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
  });

  const byId = (id: string) => findNode(runtime.ui.hierarchy(), (n) => n.resourceId === id);
  const must = (id: string) => {
    const n = byId(id);
    if (!n) throw new Error(`no ${id} on screen`);
    return n;
  };
  async function launchPast(pkg: string) {
    expect((await runtime.startActivity({ package: pkg }, { stopFirst: true })).ok).to.equal(true);
    for (let i = 0; i < 5 && byId('android:id/button1'); i++) await runtime.ui.click(must('android:id/button1').key);
  }

  it('Mint: one EditText url_bar; after a load it shows the host without scheme, focused the full URL', async () => {
    await launchPast(MINT);
    expect(byId(`${MINT}:id/url`)).to.equal(null);
    const bar = must(`${MINT}:id/url_bar`);
    expect(bar.className).to.equal('android.widget.EditText');
    await runtime.ui.setText(bar.key, 'https://news.example/story?x=1\n', { replace: true });
    expect(must(`${MINT}:id/url_bar`).text).to.equal('news.example');
    await runtime.ui.click(must(`${MINT}:id/url_bar`).key);
    expect(must(`${MINT}:id/url_bar`).text).to.equal('https://news.example/story?x=1');
    await runtime.ui.pressKey(KEY_BACK);
    expect(must(`${MINT}:id/url_bar`).text).to.equal('news.example');
  });

  it('Mint: typing a prefix of a visited URL completes it inline; DEL drops the completion, Enter opens what was typed', async () => {
    await launchPast(MINT);
    await runtime.ui.setText(must(`${MINT}:id/url_bar`).key, 'https://news.example/story-one\n', { replace: true });
    await runtime.ui.setText(must(`${MINT}:id/url_bar`).key, 'news.example/story', { replace: true });
    expect(must(`${MINT}:id/url_bar`).text).to.equal('news.example/story-one');
    await runtime.ui.pressKey(KEY_DEL);
    expect(must(`${MINT}:id/url_bar`).text).to.equal('news.example/story');
    await runtime.ui.pressKey(66);
    await new Promise((r) => setTimeout(r, 300));
    expect(must(`${MINT}:id/title`).text).to.equal('Title of /story');
  });

  it('Mi Browser Pro: the home screen shows search_hint (a TextView, not editable); a tap opens the EditText url', async () => {
    await launchPast(PRO);
    expect(byId(`${PRO}:id/url`)).to.equal(null);
    const hint = must(`${PRO}:id/search_hint`);
    expect(hint.className).to.equal('android.widget.TextView');
    await runtime.ui.click(hint.key);
    expect(byId(`${PRO}:id/search_hint`)).to.equal(null);
    const url = must(`${PRO}:id/url`);
    expect(url).to.deep.include({ className: 'android.widget.EditText', focused: true });
    // No inline autocompletion outside Chromium's omnibox.
    await runtime.ui.setText(url.key, 'https://pro.example/a\n', { replace: true });
    await runtime.ui.click(must(`${PRO}:id/search_hint`).key);
    await runtime.ui.setText(must(`${PRO}:id/url`).key, 'https://pro.example', { replace: true });
    expect(must(`${PRO}:id/url`).text).to.equal('https://pro.example');
  });
});

describe('sim/apps: ids no public source names differ between profiles', function () {
  this.timeout(20000);
  const UNVERIFIED = ['menu_button', 'menu_incognito', 'incognito_indicator', 'menu_settings', 'settings_title', 'incognito_data_switch'];
  let ctx: TestPhoneContext;
  let runtime: SimAppRuntime;
  afterEach(async () => {
    await runtime?.shutdown();
    ctx?.close();
  });
  function ids(root: UiNode, out: string[] = []): string[] {
    if (root.resourceId) out.push(root.resourceId);
    for (const c of root.children) ids(c, out);
    return out;
  }
  async function screens(pkg: string): Promise<{ ids: string[]; descs: string[]; texts: string[] }> {
    ctx = new TestPhoneContext(loadProfile('redmi-note-8-2020-updated'));
    runtime = createAppRuntime(ctx);
    expect((await runtime.startActivity({ package: pkg }, { stopFirst: true })).ok).to.equal(true);
    const all = () => runtime.ui.hierarchy();
    const byDesc = (d: string) => findNode(all(), (n) => n.contentDesc === d);
    const byText = (t: string) => findNode(all(), (n) => n.text === t);
    for (let i = 0; i < 5 && findNode(all(), (n) => n.resourceId === 'android:id/button1'); i++) await runtime.ui.click(findNode(all(), (n) => n.resourceId === 'android:id/button1')!.key);
    const seen: string[] = [];
    const descs: string[] = [];
    const texts: string[] = [];
    await runtime.ui.click(byDesc('Menu')!.key);
    descs.push('Menu');
    seen.push(...ids(all()));
    texts.push(...['Incognito mode', 'Settings'].filter((t) => byText(t)));
    await runtime.ui.click(byText('Incognito mode')!.key);
    if (byDesc('Incognito')) descs.push('Incognito');
    seen.push(...ids(all()));
    return { ids: seen.map((i) => i.split(':id/')[1] ?? i), descs, texts };
  }

  it('updated 2020 phone: Mint keeps the model ids; Mi Browser Pro has none of them, only text and content-descriptions', async () => {
    const mint = await screens('com.mi.globalbrowser.mini');
    expect(mint.ids).to.include.members(['menu_button', 'menu_incognito', 'incognito_indicator']);
    await runtime.shutdown();
    ctx.close();
    const pro = await screens('com.mi.globalbrowser');
    expect(pro.ids.filter((i) => UNVERIFIED.includes(i))).to.deep.equal([]);
    expect(pro.descs).to.deep.equal(['Menu', 'Incognito']);
    expect(pro.texts).to.deep.equal(['Incognito mode', 'Settings']);
  });
});
