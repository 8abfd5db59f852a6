import { Layout, ScreenBuilder, type Screen } from './uiTree.js';

/** An APK-installed app the profile gives no behaviour: its launcher activity, started, and its process. */
export interface PlainActivity {
  package: string;
  /** Fully qualified launcher activity (from the APK's manifest). */
  activity: string;
  pid: number;
}

/**
 * What an app with no modelled behaviour shows once started: its window with the decor's content
 * frame (`android:id/content`) and nothing in it. A real test APK may draw anything; the simulator
 * knows only its manifest, so the content stays empty (**unverified** for any particular APK).
 * The decor's FrameLayout / LinearLayout / `android:id/content` structure is what UiAutomator dumps
 * of any Activity show (PhoneWindow's DecorView).
 */
export function buildEmptyActivityScreen(activity: PlainActivity, layout: Layout): Screen {
  const b = new ScreenBuilder();
  const P = activity.package;
  const content = b.node({ key: `${P}/content`, className: 'android.widget.FrameLayout', package: P, resourceId: 'android:id/content', bounds: [0, layout.statusBar, layout.width, layout.height] });
  const decor = b.node({ key: `${P}/decor`, className: 'android.widget.LinearLayout', package: P, bounds: [0, 0, layout.width, layout.height], children: [content] });
  return b.screen(b.node({ key: `${P}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, layout.width, layout.height], children: [decor] }));
}
