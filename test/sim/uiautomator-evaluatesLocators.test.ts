import { expect } from 'chai';
import { evaluateUiSelector, evaluateXPath, locate, pageSource, takeSnapshot, type SnapshotNode } from '../../sim/uiautomator/index.js';
import type { UiNode } from '../../sim/ui.js';
import { browserTree } from './uiautomator-support/browserTree.js';

const P = 'com.mi.globalbrowser';
const display = { width: 1080, height: 2340, rotation: 0 };
const snap = (root: UiNode, includeInvisible = false) => takeSnapshot(root, { display, includeInvisible });
const keys = (nodes: SnapshotNode[]) => nodes.map((n) => n.node?.key);

describe('sim/uiautomator: XPath and UiSelector locators evaluate over the screen', () => {
  const normal = snap(browserTree({ url: 'https://a.example/', title: 'A page', pageText: 'Hello world' }));
  const menu = snap(browserTree({ url: 'https://a.example/', menu: true }));
  const x = (top: SnapshotNode, expr: string) => keys(evaluateXPath(expr, top));
  const u = (top: SnapshotNode, expr: string) => keys(evaluateUiSelector(expr, top));

  it('XPath: paths, names, attributes, positions and the usual functions', () => {
    expect(x(normal, '//android.widget.EditText')).to.deep.equal(['b/url']);
    expect(x(normal, '/hierarchy/android.widget.FrameLayout/android.widget.LinearLayout/android.widget.ImageButton[2]')).to.deep.equal(['b/menu']);
    expect(x(normal, "//*[@content-desc='Go']")).to.deep.equal(['b/go']);
    expect(x(normal, '//*[@content-desc="Go" and @clickable="true"]')).to.deep.equal(['b/go']);
    expect(x(normal, "//*[@resource-id='nope' or @content-desc='Menu']")).to.deep.equal(['b/menu']);
    expect(x(normal, '(//android.widget.ImageButton)[last()]')).to.deep.equal(['b/menu']);
    expect(x(normal, '(//android.widget.ImageButton)[1]')).to.deep.equal(['b/go']);
    expect(x(normal, '//android.widget.ImageButton[position()>1]')).to.deep.equal(['b/menu']);
    expect(x(menu, "//*[contains(@resource-id,':id/menu_')]")).to.deep.equal(['b/menu', 'b/sheet', 'b/menu_incognito', 'b/menu_settings']);
    expect(x(menu, "//*[starts-with(@text,'Incog')]")).to.deep.equal(['b/menu_incognito']);
    expect(x(normal, "//android.view.View[contains(@text, 'Hello')]")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//*[not(@text='') and @class='android.widget.TextView']")).to.deep.equal(['b/title']);
    expect(x(normal, '//android.widget.LinearLayout[count(*)=3]')).to.deep.equal(['b/toolbar']);
    expect(x(normal, "//*[string-length(@text) > 10]")).to.deep.equal(['b/url', 'b/webtext']);
  });

  it('XPath 2.0 functions the real server’s PsychoPath engine has: matches(), lower-case(), upper-case(), replace(); and XPath 1.0 string functions', () => {
    expect(x(normal, "//*[matches(@text, 'hel+o', 'i')]")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//*[matches(@text, '^Hello')]")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//*[matches(@text, '^hello')]")).to.deep.equal([]);
    expect(x(normal, "//*[lower-case(@content-desc)='menu']")).to.deep.equal(['b/menu']);
    expect(x(normal, "//*[upper-case(@content-desc)='GO']")).to.deep.equal(['b/go']);
    expect(x(normal, "//*[replace(@text, 'w(or)ld', 'X$1') = 'Hello Xor']")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//*[concat(@content-desc, '!')='Go!']")).to.deep.equal(['b/go']);
    expect(x(normal, "//*[substring(@text, 1, 5)='Hello' and substring-after(@text, ' ')='world']")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//*[translate(@content-desc, 'MENU', 'menu')='menu']")).to.deep.equal(['b/menu']);
  });

  it('XPath: axes, parent, self, unions, and text() (there are no text nodes, as in the real dump)', () => {
    expect(x(normal, '//android.widget.EditText/following-sibling::*[1]')).to.deep.equal(['b/go']);
    expect(x(normal, "//*[@content-desc='Menu']/preceding-sibling::*[1]")).to.deep.equal(['b/go']);
    expect(x(normal, "//*[@content-desc='Go']/..")).to.deep.equal(['b/toolbar']);
    expect(x(normal, "//*[@content-desc='Go']/parent::*/parent::android.widget.FrameLayout")).to.deep.equal(['b/root']);
    expect(x(menu, "//*[@text='Settings']/ancestor::android.widget.LinearLayout")).to.deep.equal(['b/sheet']);
    expect(x(menu, "//*[@text='Settings']/ancestor::*[1]")).to.deep.equal(['b/sheet']);
    expect(x(normal, "//android.webkit.WebView//android.view.View")).to.deep.equal(['b/webtext']);
    expect(x(normal, "//android.webkit.WebView/descendant-or-self::*")).to.deep.equal(['b/webview', 'b/webtext']);
    expect(x(normal, "//*[@content-desc='Go']/self::android.widget.ImageButton")).to.deep.equal(['b/go']);
    expect(x(normal, "//*[@content-desc='Go'] | //android.widget.EditText")).to.deep.equal(['b/url', 'b/go']);
    expect(x(menu, "//*[text()='Settings']")).to.deep.equal([]);
    expect(x(normal, '/hierarchy')).to.deep.equal([undefined]);
  });

  it('XPath: syntax it does not take is an error naming the problem, and values are not elements', () => {
    expect(() => evaluateXPath('//*[', normal)).to.throw(/expected an expression/);
    expect(() => evaluateXPath("//*[tokenize(@text,'a')]", normal)).to.throw(/unsupported function tokenize\(\)/);
    expect(() => evaluateXPath("//*[matches(@text,'(')]", normal)).to.throw(/invalid regular expression '\(' \(FORX0002\)/);
    expect(() => evaluateXPath("//*[matches(@text,'a','q')]", normal)).to.throw(/FORX0001/);
    expect(() => evaluateXPath('//namespace::x', normal)).to.throw(/unsupported axis 'namespace'/);
    expect(() => evaluateXPath("//*[@text='x]", normal)).to.throw(/unterminated string/);
    expect(() => evaluateXPath('//@text', normal)).to.throw(/does not select elements/);
    expect(() => evaluateXPath('//*' + '[1]'.repeat(2000), normal)).to.throw(/longer than 4096/);
    expect(() => evaluateXPath('//*[' + '('.repeat(100) + '1' + ')'.repeat(100) + ']', normal)).to.throw(/nested deeper/);
  });

  it('UiSelector: attribute methods, instance, relations, UiScrollable and several statements', () => {
    expect(u(normal, 'new UiSelector().className("android.widget.ImageButton").instance(1)')).to.deep.equal(['b/menu']);
    expect(u(normal, 'new UiSelector().className("android.widget.ImageButton")')).to.deep.equal(['b/go', 'b/menu']);
    expect(u(menu, 'new UiSelector().textContains("cognito")')).to.deep.equal(['b/menu_incognito']);
    expect(u(menu, 'new UiSelector().resourceIdMatches(".*:id/menu_.*")')).to.deep.equal(['b/menu', 'b/sheet', 'b/menu_incognito', 'b/menu_settings']);
    expect(u(normal, 'new UiSelector().descriptionStartsWith("Me").clickable(true)')).to.deep.equal(['b/menu']);
    expect(u(normal, `new UiSelector().resourceId("${P}:id/toolbar").childSelector(new UiSelector().className("android.widget.ImageButton"))`)).to.deep.equal(['b/go', 'b/menu']);
    expect(u(normal, 'new UiSelector().description("Go").fromParent(new UiSelector().description("Menu"))')).to.deep.equal(['b/menu']);
    expect(u(menu, 'new UiScrollable(new UiSelector().scrollable(true)).scrollIntoView(new UiSelector().text("Settings"))')).to.deep.equal(['b/menu_settings']);
    expect(u(menu, 'new UiScrollable(new UiSelector().scrollable(true)).scrollTextIntoView("Settings")')).to.deep.equal(['b/menu_settings']);
    expect(u(normal, 'new UiSelector().description("Go"); new UiSelector().className("android.widget.EditText")')).to.deep.equal(['b/url', 'b/go']);
    expect(u(normal, 'new UiSelector().text("A page").index(1)')).to.deep.equal(['b/title']);
    expect(u(normal, 'new UiSelector().text("A \\"quoted\\" page")')).to.deep.equal([]);
  });

  it('UiSelector: unknown methods, wrong argument types and bad regular expressions are errors', () => {
    expect(() => evaluateUiSelector('new UiSelector().bogus("x")', normal)).to.throw(/bogus\(\) is not supported/);
    expect(() => evaluateUiSelector('new UiSelector().text(5)', normal)).to.throw(/text\(\) takes one string/);
    expect(() => evaluateUiSelector('new UiSelector().textMatches("(")', normal)).to.throw(/invalid regular expression/);
    expect(() => evaluateUiSelector('new UiSelector().text("x', normal)).to.throw(/unterminated string/);
    expect(() => evaluateUiSelector('UiObject2()', normal)).to.throw(/expected 'UiSelector'/);
  });

  it('id locators expand a bare id with the current package, and invisible nodes stay out unless allowed', () => {
    expect(keys(locate('id', 'url', normal, normal))).to.deep.equal(['b/url']);
    expect(keys(locate('id', `${P}:id/url`, normal, normal))).to.deep.equal(['b/url']);
    const dialog = snap(browserTree({ dialog: { title: 'T', text: 'M', button: 'Agree' } }));
    expect(keys(locate('id', 'button1', dialog, dialog))).to.deep.equal(['dlg/button1']);
    const tree = browserTree();
    tree.children[0]!.children[1]!.displayed = false; // the Go button hidden
    expect(keys(locate('accessibility id', 'Go', snap(tree), snap(tree)))).to.deep.equal([]);
    expect(keys(locate('accessibility id', 'Go', snap(tree, true), snap(tree, true)))).to.deep.equal(['b/go']);
    expect(pageSource(snap(tree))).to.not.contain('content-desc="Go"');
    expect(pageSource(snap(tree, true))).to.contain('content-desc="Go"');
  });
});
