// A hand-built window hierarchy following the browsers' UI contract (for renderer and locator tests).
import type { UiNode } from '../../../sim/ui.js';

export interface TreeOptions {
  url?: string;
  title?: string;
  pageText?: string;
  incognito?: boolean;
  menu?: boolean;
  dialog?: { title: string; text: string; button: string };
}

const P = 'com.mi.globalbrowser';
const W = 1080;
const H = 2340;

function node(key: string, className: string, bounds: UiNode['bounds'], extra: Partial<UiNode> = {}, children: UiNode[] = []): UiNode {
  return { key, className, package: P, bounds, enabled: true, displayed: true, ...extra, children };
}

export function browserTree(o: TreeOptions = {}): UiNode {
  if (o.dialog) {
    const panel = node('dlg/panel', 'android.widget.LinearLayout', [66, 819, 1014, 1424], { resourceId: 'android:id/parentPanel' }, [
      node('dlg/title', 'android.widget.TextView', [110, 874, 970, 962], { resourceId: 'android:id/alertTitle', text: o.dialog.title }),
      node('dlg/message', 'android.widget.TextView', [110, 984, 970, 1248], { resourceId: 'android:id/message', text: o.dialog.text }),
      node('dlg/button1', 'android.widget.Button', [640, 1270, 970, 1391], { resourceId: 'android:id/button1', text: o.dialog.button, clickable: true }),
    ]);
    return node('dlg/root', 'android.widget.FrameLayout', [0, 0, W, H], {}, [panel]);
  }
  const bar: UiNode[] = [];
  let left = 22;
  if (o.incognito) {
    bar.push(node('b/incognito', 'android.widget.ImageView', [22, 93, 121, 204], { resourceId: `${P}:id/incognito_indicator`, contentDesc: 'Incognito' }));
    left = 143;
  }
  bar.push(
    node('b/url', 'android.widget.EditText', [left, 82, 794, 204], { resourceId: `${P}:id/url`, text: o.url ?? '', hint: 'Search or type URL', clickable: true, focusable: true }),
    node('b/go', 'android.widget.ImageButton', [805, 82, 926, 204], { resourceId: `${P}:id/go`, contentDesc: 'Go', clickable: true }),
    node('b/menu', 'android.widget.ImageButton', [937, 82, 1058, 204], { resourceId: `${P}:id/menu_button`, contentDesc: 'Menu', clickable: true }),
  );
  const children: UiNode[] = [
    node('b/toolbar', 'android.widget.LinearLayout', [0, 66, W, 220], { resourceId: `${P}:id/toolbar` }, bar),
    node('b/title', 'android.widget.TextView', [44, 231, 1036, 319], { resourceId: `${P}:id/title`, text: o.title ?? '' }),
    node('b/webview', 'android.webkit.WebView', [0, 330, W, H], { resourceId: `${P}:id/webview`, scrollable: true }, [
      node('b/webtext', 'android.view.View', [0, 330, W, H], { text: o.pageText ?? '' }),
    ]),
  ];
  if (o.menu) {
    children.push(
      node('b/sheet', 'android.widget.LinearLayout', [0, 1955, W, H], { resourceId: `${P}:id/menu_sheet` }, [
        node('b/menu_incognito', 'android.widget.TextView', [0, 1977, W, 2131], { resourceId: `${P}:id/menu_incognito`, text: o.incognito ? 'Exit incognito mode' : 'Incognito mode', clickable: true }),
        node('b/menu_settings', 'android.widget.TextView', [0, 2153, W, 2307], { resourceId: `${P}:id/menu_settings`, text: 'Settings', clickable: true }),
      ]),
    );
  }
  return node('b/root', 'android.widget.FrameLayout', [0, 0, W, H], {}, children);
}

export const DISPLAY = { width: W, height: H, density: 440 };
