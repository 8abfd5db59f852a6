import type { UiNode } from '../ui.js';
import type { SimApp } from './browserApp.js';
import { Layout, ScreenBuilder, type Screen } from './uiTree.js';

/**
 * The browser's window as UiAutomator sees it, per the UI contract in the project brief: address
 * bar `P:id/url`, Go `P:id/go`, title `P:id/title`, WebView `P:id/webview` with one text child,
 * menu `P:id/menu_button` and its sheet, the incognito indicator, the settings screen with
 * `P:id/incognito_data_switch`, and first-run dialogs (`android:id/button1`) covering everything.
 * The layout itself is not published; this one is ours.
 */
export function buildBrowserScreen(app: SimApp, layout: Layout): Screen {
  const b = new ScreenBuilder();
  const P = app.profile.package;
  const id = (name: string) => `${P}:id/${name}`;
  // Ids no public source names (menu, incognito entry and indicator, settings, the incognito-data
  // switch; real-device-notes row 8): a profile with `unverifiedIds: "none"` has none of them, so
  // only localized text and content-descriptions find those elements (sim/EVIDENCE.md "Browsers").
  const modelId = (name: string) => (app.profile.unverifiedIds === 'none' ? undefined : id(name));
  const { width: W, height: H } = layout;
  const dp = (v: number) => layout.dp(v);
  const top = layout.statusBar;

  const dialog = app.currentDialog();
  if (dialog) {
    const key = `${P}/dialog/${dialog.id}`;
    const boxTop = Math.round(H * 0.35);
    const boxBottom = Math.round(H * 0.35) + dp(220);
    const children: UiNode[] = [
      b.node({ key: `${key}/title`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/alertTitle', text: dialog.title, bounds: [dp(40), boxTop + dp(20), W - dp(40), boxTop + dp(52)] }),
      b.node({ key: `${key}/message`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/message', text: dialog.text, bounds: [dp(40), boxTop + dp(60), W - dp(40), boxBottom - dp(64)] }),
      b.node(
        { key: `${key}/button1`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button1', text: dialog.button, focusable: true, bounds: [W - dp(160), boxBottom - dp(56), W - dp(40), boxBottom - dp(12)] },
        { click: () => app.acceptDialog(dialog.id) },
      ),
    ];
    const box = b.node({ key: `${key}/panel`, className: 'android.widget.LinearLayout', package: P, resourceId: 'android:id/parentPanel', bounds: [dp(24), boxTop, W - dp(24), boxBottom], children });
    return b.screen(b.node({ key: `${key}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, W, H], children: [box] }));
  }

  const prompt = app.downloadPrompt;
  if (prompt) {
    // The download dialog (Chromium-based browsers ask before saving a file): title, file name,
    // Download / Cancel. Its texts and layout are not published; these are ours.
    const key = `${P}/download`;
    const boxTop = Math.round(H * 0.35);
    const boxBottom = boxTop + dp(200);
    const children: UiNode[] = [
      b.node({ key: `${key}/title`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/alertTitle', text: 'Download file', bounds: [dp(40), boxTop + dp(20), W - dp(40), boxTop + dp(52)] }),
      b.node({ key: `${key}/message`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/message', text: prompt.fileName, bounds: [dp(40), boxTop + dp(60), W - dp(40), boxBottom - dp(64)] }),
      b.node({ key: `${key}/button2`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button2', text: 'Cancel', focusable: true, bounds: [dp(40), boxBottom - dp(56), dp(160), boxBottom - dp(12)] }, { click: () => app.answerDownload(false) }),
      b.node({ key: `${key}/button1`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button1', text: 'Download', focusable: true, bounds: [W - dp(160), boxBottom - dp(56), W - dp(40), boxBottom - dp(12)] }, { click: () => app.answerDownload(true) }),
    ];
    const box = b.node({ key: `${key}/panel`, className: 'android.widget.LinearLayout', package: P, resourceId: 'android:id/parentPanel', bounds: [dp(24), boxTop, W - dp(24), boxBottom], children });
    return b.screen(b.node({ key: `${key}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, W, H], children: [box] }));
  }

  if (app.screen === 'settings') {
    const rows: UiNode[] = [
      b.node({ key: `${P}/settings/title`, className: 'android.widget.TextView', package: P, resourceId: modelId('settings_title'), text: 'Settings', bounds: [dp(16), top + dp(12), W - dp(16), top + dp(44)] }),
    ];
    const sw = app.profile.incognitoDataSwitch;
    if (sw) {
      const rowTop = top + dp(64);
      const toggle = { click: () => app.toggleIncognitoDataSwitch() };
      const rowChildren: UiNode[] = [
        b.node({ key: `${P}/settings/switch_label`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/title', text: sw.label, bounds: [dp(16), rowTop + dp(8), W - dp(88), rowTop + dp(32)] }),
      ];
      if (sw.summary) rowChildren.push(b.node({ key: `${P}/settings/switch_summary`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/summary', text: sw.summary, bounds: [dp(16), rowTop + dp(34), W - dp(88), rowTop + dp(64)] }));
      rowChildren.push(
        b.node({ key: `${P}/settings/switch`, className: 'android.widget.Switch', package: P, resourceId: modelId('incognito_data_switch'), text: app.incognitoDataSwitchOn ? 'ON' : 'OFF', checkable: true, checked: app.incognitoDataSwitchOn === true, focusable: true, bounds: [W - dp(72), rowTop + dp(16), W - dp(16), rowTop + dp(56)] }, toggle),
      );
      rows.push(b.node({ key: `${P}/settings/switch_row`, className: 'android.widget.LinearLayout', package: P, resourceId: modelId('incognito_data_row'), bounds: [0, rowTop, W, rowTop + dp(72)], children: rowChildren }, toggle));
    }
    const other = ['Clear browsing data', 'Search engine', 'About'];
    other.forEach((text, i) => {
      const y = top + dp(sw ? 144 : 64) + i * dp(56);
      rows.push(b.node({ key: `${P}/settings/row${i}`, className: 'android.widget.TextView', package: P, text, bounds: [dp(16), y, W - dp(16), y + dp(48)] }));
    });
    return b.screen(b.node({ key: `${P}/settings/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, W, H], children: rows }));
  }

  // The browser itself.
  const barTop = top + dp(6);
  const barBottom = top + dp(50);
  const bar: UiNode[] = [];
  let urlLeft = dp(8);
  if (app.profile.newsFeed) {
    // The start page with the news feed is one tap away (Mi Browser / Mint); id and place unverified.
    bar.push(b.node({ key: `${P}/browser/home_button`, className: 'android.widget.ImageButton', package: P, resourceId: modelId('home_button'), contentDesc: 'Home', focusable: true, bounds: [dp(8), barTop, dp(48), barBottom] }, { click: () => app.showHome() }));
    urlLeft = dp(52);
  }
  if (app.incognito) {
    bar.push(b.node({ key: `${P}/browser/incognito_indicator`, className: 'android.widget.ImageView', package: P, resourceId: modelId('incognito_indicator'), contentDesc: 'Incognito', bounds: [urlLeft, barTop + dp(4), urlLeft + dp(36), barBottom - dp(4)] }));
    urlLeft += dp(44);
  }
  const urlBounds: [number, number, number, number] = [urlLeft, barTop, W - dp(104), barBottom];
  const editField = (resourceId: string) =>
    b.node(
      { key: `${P}/browser/${resourceId}`, className: 'android.widget.EditText', package: P, resourceId: id(resourceId), text: app.addressText(), hint: 'Search or type URL', focusable: true, focused: app.editing !== null, bounds: urlBounds },
      {
        click: () => app.focusAddress(),
        setText: (text, replace) => app.setAddressText(text, replace),
        clear: () => {
          app.focusAddress();
          return app.setAddressText('', true);
        },
      },
    );
  if (app.profile.addressBar === 'omnibox') {
    // Chromium's omnibox: one EditText `url_bar` (Mint 3.4.x, sim/EVIDENCE.md "Browsers").
    bar.push(editField('url_bar'));
  } else if (app.profile.addressBar === 'hint' && app.editing === null) {
    // Mi Browser / Pro: a TextView `search_hint` that a tap turns into the editable `url`
    // (privacytests.org testing/android.js, a real Appium run: urlBarClick 'search_hint', urlBarKeys 'url').
    // What it reads after a load is unverified; the page URL here.
    bar.push(b.node({ key: `${P}/browser/search_hint`, className: 'android.widget.TextView', package: P, resourceId: id('search_hint'), text: app.addressText() || 'Search or type URL', clickable: true, bounds: urlBounds }, { click: () => app.focusAddress() }));
  } else {
    bar.push(editField('url'));
  }
  bar.push(
    b.node({ key: `${P}/browser/go`, className: 'android.widget.ImageButton', package: P, resourceId: id('go'), contentDesc: 'Go', focusable: true, bounds: [W - dp(100), barTop, W - dp(56), barBottom] }, {
      click: () => {
        if (app.editing === null) app.focusAddress();
        return app.submitAddress();
      },
    }),
    b.node({ key: `${P}/browser/menu_button`, className: 'android.widget.ImageButton', package: P, resourceId: modelId('menu_button'), contentDesc: 'Menu', focusable: true, bounds: [W - dp(52), barTop, W - dp(8), barBottom] }, {
      click: () => (app.menuOpen ? app.closeMenu() : app.openMenu()),
    }),
  );
  const page = app.currentPage();
  const contentTop = top + dp(96);
  const toolbar = b.node({ key: `${P}/browser/toolbar`, className: 'android.widget.LinearLayout', package: P, resourceId: id('toolbar'), bounds: [0, top, W, top + dp(56)], children: bar });
  if (app.screen === 'home') {
    // The start page: the news feed, one row per item (ids unverified, layout ours).
    const rowH = dp(72);
    const items = app.feedItems().map((item, i) => {
      const y = top + dp(64) + i * rowH;
      const open = { click: async () => void (await app.openFeedItem(i)) };
      return b.node({ key: `${P}/home/item${i}`, className: 'android.widget.LinearLayout', package: P, resourceId: modelId('feed_item'), clickable: true, bounds: [0, y, W, Math.min(H, y + rowH)], children: [
        b.node({ key: `${P}/home/item${i}/title`, className: 'android.widget.TextView', package: P, resourceId: modelId('feed_title'), text: item.title, bounds: [dp(16), y + dp(8), W - dp(16), Math.min(H, y + rowH - dp(8))] }, open),
      ] }, open);
    });
    const list = b.node({ key: `${P}/home/feed`, className: 'androidx.recyclerview.widget.RecyclerView', package: P, resourceId: modelId('feed_list'), scrollable: true, bounds: [0, top + dp(56), W, H], children: items });
    return b.screen(b.node({ key: `${P}/home/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, W, H], children: [toolbar, list] }));
  }
  const children: UiNode[] = [
    toolbar,
    b.node({ key: `${P}/browser/title`, className: 'android.widget.TextView', package: P, resourceId: id('title'), text: page?.title ?? '', bounds: [dp(16), top + dp(60), W - dp(16), top + dp(92)] }),
    b.node({
      key: `${P}/browser/webview`,
      className: 'android.webkit.WebView',
      package: P,
      resourceId: id('webview'),
      scrollable: true,
      focusable: true,
      bounds: [0, contentTop, W, H],
      children: [b.node({ key: `${P}/browser/webview_text`, className: 'android.view.View', package: P, text: page?.text ?? '', bounds: [0, contentTop, W, H] })],
    }),
  ];
  if (app.screen === 'share') {
    // The share panel over the page (texts and targets are ours: the real panel is not published).
    const targets = ['Copy link', 'Messages', 'Email'];
    const sheetTop = H - dp(72 + 56 * targets.length);
    children.push(
      b.node({
        key: `${P}/share/sheet`,
        className: 'android.widget.LinearLayout',
        package: P,
        resourceId: modelId('share_sheet'),
        bounds: [0, sheetTop, W, H],
        children: [
          b.node({ key: `${P}/share/title`, className: 'android.widget.TextView', package: P, text: 'Share', bounds: [dp(16), sheetTop + dp(8), W - dp(16), sheetTop + dp(56)] }),
          ...targets.map((text, i) => b.node({ key: `${P}/share/target${i}`, className: 'android.widget.TextView', package: P, resourceId: modelId('share_target'), text, clickable: true, bounds: [0, sheetTop + dp(64 + 56 * i), W, sheetTop + dp(64 + 56 * i + 48)] }, { click: () => app.shareTo(text) })),
        ],
      }),
    );
  }
  if (app.menuOpen) {
    const sheetTop = H - dp(204);
    children.push(
      b.node({
        key: `${P}/browser/menu_sheet`,
        className: 'android.widget.LinearLayout',
        package: P,
        resourceId: modelId('menu_sheet'),
        bounds: [0, sheetTop, W, H],
        children: [
          b.node({ key: `${P}/browser/menu_incognito`, className: 'android.widget.TextView', package: P, resourceId: modelId('menu_incognito'), text: app.incognito ? (app.profile.menuTexts?.exitIncognito ?? 'Exit incognito mode') : (app.profile.menuTexts?.incognito ?? 'Incognito mode'), bounds: [0, sheetTop + dp(8), W, sheetTop + dp(64)] }, { click: () => app.toggleIncognito() }),
          b.node({ key: `${P}/browser/menu_settings`, className: 'android.widget.TextView', package: P, resourceId: modelId('menu_settings'), text: 'Settings', bounds: [0, sheetTop + dp(72), W, sheetTop + dp(128)] }, { click: () => app.openSettings() }),
          b.node({ key: `${P}/browser/menu_share`, className: 'android.widget.TextView', package: P, resourceId: modelId('menu_share'), text: 'Share', bounds: [0, sheetTop + dp(136), W, sheetTop + dp(192)] }, { click: () => app.openShare() }),
        ],
      }),
    );
  }
  return b.screen(b.node({ key: `${P}/browser/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, layout.width, layout.height], children }));
}
