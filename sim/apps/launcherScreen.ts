import type { UiNode } from '../ui.js';
import type { SimApp } from './browserApp.js';
import { Layout, ScreenBuilder, type Screen } from './uiTree.js';

export const launcherPackage = 'com.miui.home';
export const launcherActivity = 'com.miui.home.launcher.Launcher';

/** The MIUI home screen: one icon per launchable app (label as text and content-desc). */
export function buildLauncherScreen(apps: SimApp[], layout: Layout, launch: (pkg: string) => Promise<void>): Screen {
  const b = new ScreenBuilder();
  const P = launcherPackage;
  const cell = Math.floor(layout.width / 4);
  const icons: UiNode[] = apps.map((app, i) => {
    const x = (i % 4) * cell;
    const y = layout.statusBar + layout.dp(80) + Math.floor(i / 4) * layout.dp(100);
    return b.node(
      { key: `${P}/icon/${app.profile.package}`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/icon_title`, text: app.profile.label, contentDesc: app.profile.label, focusable: true, bounds: [x, y, x + cell, y + layout.dp(90)] },
      { click: () => launch(app.profile.package) },
    );
  });
  const workspace = b.node({ key: `${P}/workspace`, className: 'android.view.ViewGroup', package: P, resourceId: `${P}:id/workspace`, bounds: [0, layout.statusBar, layout.width, layout.height], children: icons });
  return b.screen(b.node({ key: `${P}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, layout.width, layout.height], children: [workspace] }));
}
