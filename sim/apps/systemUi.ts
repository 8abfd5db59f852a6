import type { Profile, SystemUiProfile } from '../profile.js';
import type { UiNode } from '../ui.js';
import type { SimApp } from './browserApp.js';
import { launcherPackage } from './launcherScreen.js';
import { Layout, ScreenBuilder, type Screen } from './uiTree.js';

/**
 * The MIUI system layer a person (and UiAutomator2) acts on besides the apps: the launcher's home
 * screens and folders, the status bar shade (SystemUI), and Settings' main page. What it shows is
 * plain UI data; each thing it shows is also told to `onEvent`, which the runtime hands to the
 * profile's `system-ui` telemetry rules (MIUI's own analytics, Forbes 2020: the OS "recorded what
 * folders he opened and to which screens he swiped, including the status bar and the settings
 * page"). Sources and the unverified names: sim/EVIDENCE.md "MIUI system layer".
 */

export const systemUiPackage = 'com.android.systemui';
export const settingsPackage = 'com.android.settings';
/** `am start -a android.settings.SETTINGS` (AOSP Settings' manifest; android.provider.Settings.ACTION_SETTINGS). */
export const ACTION_SETTINGS = 'android.settings.SETTINGS';

export type SystemUiEventName = 'folder-opened' | 'home-screen' | 'status-bar' | 'settings-opened';
export interface SystemUiEvent {
  event: SystemUiEventName;
  /** What was shown, as the screen names it: the folder's name, the home screen's description, the shade's, Settings' activity. */
  name: string;
}

type Folder = { name: string; screen: number; apps: string[] };

/** The defaults of a profile without `systemUi` (every one unverified: sim/EVIDENCE.md). */
function settled(profile: Profile): Required<SystemUiProfile> {
  const own = profile.systemUi ?? {};
  const miui = profile.device.miuiVersion !== undefined;
  return {
    homeScreens: own.homeScreens ?? 2,
    homeScreenDescription: own.homeScreenDescription ?? 'Home screen ${n} of ${count}',
    folders: own.folders ?? [{ name: 'Utilities', screen: 1, apps: ['Calculator', 'Compass', 'Recorder'] }],
    shadeDescription: own.shadeDescription ?? 'Notification shade',
    settingsActivity: own.settingsActivity ?? (miui ? 'com.android.settings.MainSettings' : 'com.android.settings.Settings'),
    settingsTitle: own.settingsTitle ?? 'Settings',
  };
}

/** A swipe counts as a page change beyond an eighth of the screen's width (unverified threshold). */
const PAGE_SWIPE_FRACTION = 8;

export class SystemUi {
  readonly config: Required<SystemUiProfile>;
  /** The home screen shown (0-based). */
  private page = 0;
  private folder: Folder | null = null;
  private shade = false;
  private settings = false;

  constructor(profile: Profile, private readonly onEvent: (event: SystemUiEvent) => void) {
    this.config = settled(profile);
  }

  get shadeOpen(): boolean {
    return this.shade;
  }

  get settingsInFront(): boolean {
    return this.settings;
  }

  get settingsActivity(): string {
    return this.config.settingsActivity;
  }

  homeScreenDescription(page = this.page): string {
    return this.config.homeScreenDescription.replaceAll('${n}', String(page + 1)).replaceAll('${count}', String(this.config.homeScreens));
  }

  // --- what changes the system layer ---

  openSettings(): void {
    this.shade = false;
    this.settings = true;
    this.onEvent({ event: 'settings-opened', name: this.config.settingsActivity });
  }

  closeSettings(): void {
    this.settings = false;
  }

  /** `cmd statusbar expand-notifications` / a swipe down from the status bar. */
  expandShade(): void {
    if (this.shade) return;
    this.shade = true;
    this.onEvent({ event: 'status-bar', name: this.config.shadeDescription });
  }

  collapseShade(): void {
    this.shade = false;
  }

  /** Home: the shade and an open folder close (the home screen shown stays, as on MIUI: unverified). */
  home(): void {
    this.shade = false;
    this.folder = null;
    this.settings = false;
  }

  /** Back: closes the shade, else (no app in front) Settings, else an open folder; false when it left the key to the app in front or had nothing to close. */
  back(appInFront: boolean): boolean {
    if (this.shade) this.shade = false;
    else if (appInFront) return false;
    else if (this.settings) this.settings = false;
    else if (this.folder) this.folder = null;
    else return false;
    return true;
  }

  /**
   * A swipe, wherever it is made: down from the status bar pulls the shade (any screen), up on the
   * shade closes it, sideways on the launcher moves between home screens. Returns whether it did something.
   */
  swipe(x1: number, y1: number, x2: number, y2: number, layout: Layout, onLauncher: boolean): boolean {
    const dx = x2 - x1;
    const dy = y2 - y1;
    if (this.shade) {
      if (dy < -layout.dp(48)) {
        this.shade = false;
        return true;
      }
      return false;
    }
    if (y1 <= layout.statusBar && dy > layout.dp(48) && Math.abs(dy) > Math.abs(dx)) {
      this.expandShade();
      return true;
    }
    if (!onLauncher || this.folder || Math.abs(dx) <= Math.abs(dy) || Math.abs(dx) < layout.width / PAGE_SWIPE_FRACTION) return false;
    // Finger moving left shows the next screen to the right (MIUI's launcher does not wrap: unverified).
    const next = dx < 0 ? this.page + 1 : this.page - 1;
    if (next < 0 || next >= this.config.homeScreens) return false;
    this.page = next;
    this.onEvent({ event: 'home-screen', name: this.homeScreenDescription() });
    return true;
  }

  private openFolder(folder: Folder): void {
    this.folder = folder;
    this.onEvent({ event: 'folder-opened', name: folder.name });
  }

  // --- screens ---

  /**
   * The launcher: the workspace (`com.miui.home:id/workspace`, described as the home screen shown),
   * the apps' icons on the first screen, folders on theirs, and an open folder over it all.
   */
  launcherScreen(apps: SimApp[], layout: Layout, launch: (pkg: string) => Promise<void>): Screen {
    const b = new ScreenBuilder();
    const P = launcherPackage;
    const cell = Math.floor(layout.width / 4);
    const at = (i: number) => {
      const x = (i % 4) * cell;
      const y = layout.statusBar + layout.dp(80) + Math.floor(i / 4) * layout.dp(100);
      return [x, y, x + cell, y + layout.dp(90)] as [number, number, number, number];
    };
    const icons: UiNode[] = [];
    if (this.page === 0) {
      for (const app of apps) {
        icons.push(b.node(
          { key: `${P}/icon/${app.profile.package}`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/icon_title`, text: app.profile.label, contentDesc: app.profile.label, focusable: true, bounds: at(icons.length) },
          { click: () => launch(app.profile.package) },
        ));
      }
    }
    this.config.folders.forEach((folder, i) => {
      if (folder.screen !== this.page + 1) return;
      icons.push(b.node(
        { key: `${P}/folder/${i}`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/icon_title`, text: folder.name, contentDesc: `Folder: ${folder.name}`, focusable: true, bounds: at(icons.length) },
        { click: () => this.openFolder(folder) },
      ));
    });
    const workspace = b.node({ key: `${P}/workspace/${this.page}`, className: 'android.view.ViewGroup', package: P, resourceId: `${P}:id/workspace`, contentDesc: this.homeScreenDescription(), scrollable: true, bounds: [0, layout.statusBar, layout.width, layout.height], children: icons });
    const children = [workspace];
    if (this.folder) children.push(this.folderView(b, this.folder, apps, layout, launch));
    return b.screen(b.node({ key: `${P}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, layout.width, layout.height], children }));
  }

  /** An open folder: its name as the title and its apps (`folder_content`: a public test script's id). */
  private folderView(b: ScreenBuilder, folder: Folder, apps: SimApp[], layout: Layout, launch: (pkg: string) => Promise<void>): UiNode {
    const P = launcherPackage;
    const left = layout.dp(24);
    const right = layout.width - layout.dp(24);
    const top = Math.round(layout.height * 0.3);
    const cell = Math.floor((right - left) / 3);
    const items = folder.apps.map((label, i) => {
      const x = left + (i % 3) * cell;
      const y = top + layout.dp(64) + Math.floor(i / 3) * layout.dp(100);
      const app = apps.find((a) => a.profile.label === label);
      return b.node(
        { key: `${P}/folder/${folder.name}/${label}`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/icon_title`, text: label, contentDesc: label, focusable: true, bounds: [x, y, x + cell, y + layout.dp(90)] },
        app ? { click: () => launch(app.profile.package) } : undefined,
      );
    });
    const rows = Math.max(1, Math.ceil(folder.apps.length / 3));
    const bottom = top + layout.dp(64) + rows * layout.dp(100) + layout.dp(16);
    const title = b.node({ key: `${P}/folder/${folder.name}/title`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/folder_title`, text: folder.name, bounds: [left, top, right, top + layout.dp(56)] });
    const content = b.node({ key: `${P}/folder/${folder.name}/content`, className: 'android.widget.GridView', package: P, resourceId: `${P}:id/folder_content`, bounds: [left, top + layout.dp(56), right, bottom], children: items });
    return b.node({ key: `${P}/folder/${folder.name}`, className: 'android.widget.FrameLayout', package: P, resourceId: `${P}:id/folder`, bounds: [left, top, right, bottom], children: [title, content] });
  }

  /** The expanded shade: SystemUI's `notification_panel` over the whole screen, with the quick settings header. */
  shadeScreen(layout: Layout): Screen {
    const b = new ScreenBuilder();
    const S = systemUiPackage;
    const header = b.node({ key: `${S}/qs_header`, className: 'android.widget.TextView', package: S, resourceId: `${S}:id/header_label`, text: 'Quick settings', bounds: [layout.dp(16), layout.statusBar, layout.width - layout.dp(16), layout.statusBar + layout.dp(56)] });
    const empty = b.node({ key: `${S}/no_notifications`, className: 'android.widget.TextView', package: S, resourceId: `${S}:id/no_notifications`, text: 'No notifications', bounds: [layout.dp(16), layout.statusBar + layout.dp(120), layout.width - layout.dp(16), layout.statusBar + layout.dp(160)] });
    const panel = b.node({ key: `${S}/notification_panel`, className: 'android.widget.FrameLayout', package: S, resourceId: `${S}:id/notification_panel`, contentDesc: this.config.shadeDescription, bounds: [0, 0, layout.width, layout.height], children: [header, empty] });
    return b.screen(b.node({ key: `${S}/root`, className: 'android.widget.FrameLayout', package: S, bounds: [0, 0, layout.width, layout.height], children: [panel] }));
  }

  /** Settings' main page: its title and a few rows (the rows' texts are the sim's, unverified). */
  settingsScreen(layout: Layout): Screen {
    const b = new ScreenBuilder();
    const P = settingsPackage;
    const rowHeight = layout.dp(64);
    const top = layout.statusBar + layout.dp(72);
    const rows = ['Wi-Fi', 'Bluetooth', 'Display', 'Additional settings', 'About phone'].map((text, i) =>
      b.node({ key: `${P}/row/${i}`, className: 'android.widget.TextView', package: P, resourceId: 'android:id/title', text, bounds: [layout.dp(16), top + i * rowHeight, layout.width - layout.dp(16), top + (i + 1) * rowHeight] }),
    );
    const title = b.node({ key: `${P}/title`, className: 'android.widget.TextView', package: P, resourceId: `${P}:id/action_bar_title`, text: this.config.settingsTitle, bounds: [layout.dp(16), layout.statusBar, layout.width - layout.dp(16), layout.statusBar + layout.dp(64)] });
    const list = b.node({ key: `${P}/list`, className: 'android.widget.ListView', package: P, resourceId: 'android:id/list', scrollable: true, bounds: [0, top, layout.width, layout.height], children: rows });
    return b.screen(b.node({ key: `${P}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, layout.width, layout.height], children: [title, list] }));
  }
}
