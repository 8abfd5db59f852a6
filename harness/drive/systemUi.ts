import path from 'node:path';
import { delay, type DeviceSession } from '../device/index.js';
import { PhonehomeError } from '../errors.js';
import { failWithEvidence } from './actionEvidence.js';
import { parseFocus } from './foregroundApp.js';
import type { UiDriver } from './phoneUiSession.js';

/**
 * Drives the phone's system layer through Appium/UiAutomator2 as a person would: Home, sideways
 * swipes between the launcher's home screens, a folder opened by a tap, the status bar shade pulled
 * down from the top, Settings opened. Gestures are W3C pointer actions (touch), which the stock
 * UiAutomator2 driver turns into real injected touches on any phone. Each action returns the name
 * the screen gives what it showed, read back from it — what a system's analytics would record.
 *
 * Ids and where they come from (sim/EVIDENCE.md "MIUI system layer"):
 *  - `com.miui.home:id/workspace`, `com.miui.home:id/folder_content`: public MIUI test scripts;
 *  - `com.android.systemui:id/notification_panel`: AOSP SystemUI, used by many public test scripts;
 *  - Settings: `am start -a android.settings.SETTINGS` (AOSP), its activity read from `dumpsys window`;
 *  - the workspace's and the shade's content-desc as their names, `com.miui.home:id/folder_title`,
 *    and a folder icon's content-desc starting with "Folder": unverified (no public dump names them),
 *    so a name that cannot be read is an error naming what is missing, never a guess.
 */

export const LAUNCHER_WORKSPACE_ID = 'com.miui.home:id/workspace';
export const FOLDER_CONTENT_ID = 'com.miui.home:id/folder_content';
export const FOLDER_TITLE_ID = 'com.miui.home:id/folder_title';
export const SHADE_PANEL_ID = 'com.android.systemui:id/notification_panel';
const SETTINGS_PACKAGE = 'com.android.settings';
/** Android key codes: HOME, BACK. */
const KEY = { HOME: 3, BACK: 4 } as const;
/** A launcher has few home screens; a search for a folder stops after this many. */
const MAX_HOME_SCREENS = 9;
const WAIT_MS = 5000;

export interface SystemUiOptions {
  phone: DeviceSession;
  /** The phone's Appium session (PhoneUiSession.driver()). */
  driver: UiDriver;
  /** Screenshots and page sources of failed actions go here. */
  evidenceDir: string;
}

export type SystemUiShown = { what: 'home-screen' | 'folder' | 'status-bar' | 'settings'; name: string };

export class SystemUiDriver {
  readonly #o: SystemUiOptions;

  constructor(options: SystemUiOptions) {
    this.#o = options;
  }

  /** Home: the launcher in front; returns the home screen shown. */
  async home(): Promise<SystemUiShown> {
    await this.#o.driver.pressKeyCode(KEY.HOME);
    return { what: 'home-screen', name: await this.#homeScreenName(WAIT_MS) };
  }

  /** A sideways swipe on the launcher: 'next' shows the screen to the right (finger moves left). */
  async swipeHomeScreen(direction: 'next' | 'previous' = 'next'): Promise<SystemUiShown> {
    const before = await this.#homeScreenName(WAIT_MS);
    const after = await this.#swipeFrom(before, direction);
    if (after === undefined) throw await this.#fail('home-swipe', `a ${direction} swipe on the launcher did not change the home screen (still '${before}'): there is no ${direction} home screen, or the swipe was not taken`);
    return { what: 'home-screen', name: after };
  }

  /** Swipes sideways; the home screen shown after, or undefined when it stayed `before`. */
  async #swipeFrom(before: string, direction: 'next' | 'previous', settleMs = 3000): Promise<string | undefined> {
    const { width, height } = await this.#o.driver.getWindowRect();
    const [from, to] = direction === 'next' ? [0.85, 0.15] : [0.15, 0.85];
    await this.#swipe(width * from, height * 0.5, width * to, height * 0.5);
    return this.#until(async () => {
      const now = await this.#readHomeScreenName();
      return now !== undefined && now !== before ? now : undefined;
    }, settleMs);
  }

  /**
   * Opens a folder on the home screens by a tap on its icon: the one named `name`, else the first
   * icon described as a folder. Searches the home screens from the first. Returns the folder's name as
   * its open view shows it.
   */
  async openFolder(name?: string): Promise<SystemUiShown> {
    const driver = this.#o.driver;
    await driver.pressKeyCode(KEY.HOME);
    // Back to the first home screen, then look on each in turn.
    for (let i = 0; i < MAX_HOME_SCREENS; i++) {
      if (!(await this.#trySwipe('previous'))) break;
    }
    const selector = name !== undefined
      ? `//*[@package='com.miui.home'][@text=${xpathLiteral(name)} or @content-desc=${xpathLiteral(name)}]`
      : "//*[@package='com.miui.home'][starts-with(@content-desc,'Folder')]";
    for (let screen = 0; screen < MAX_HOME_SCREENS; screen++) {
      const [icon] = await driver.findElements('xpath', selector);
      if (icon) {
        await driver.elementClick(elementId(icon));
        const open = await this.#until(async () => (await driver.findElements('id', FOLDER_CONTENT_ID))[0], WAIT_MS);
        if (!open) throw await this.#fail('folder', `tapped ${name === undefined ? 'the first folder icon' : `'${name}'`} on the launcher but no folder opened (no ${FOLDER_CONTENT_ID})`);
        const [title] = await driver.findElements('id', FOLDER_TITLE_ID);
        const shown = title ? await driver.getElementText(elementId(title)) : name;
        if (!shown) throw await this.#fail('folder', `the open folder shows no name (no ${FOLDER_TITLE_ID}): pass the folder's name to openFolder()`);
        return { what: 'folder', name: shown };
      }
      if (!(await this.#trySwipe('next'))) break;
    }
    throw await this.#fail('folder', name === undefined
      ? "no icon on the home screens is described as a folder ('Folder…'): pass the folder's name to openFolder()"
      : `no icon named '${name}' on any home screen`);
  }

  /** Back: closes an open folder, the shade, or the page in front. */
  async back(): Promise<void> {
    await this.#o.driver.pressKeyCode(KEY.BACK);
  }

  /**
   * Pulls the status bar shade down: a swipe down from the top edge (`via: 'gesture'`, what a person
   * does), or `cmd statusbar expand-notifications` (AOSP's StatusBarShellCommand). Returns the shade's name.
   */
  async pullDownStatusBar(options: { via?: 'gesture' | 'adb' } = {}): Promise<SystemUiShown> {
    const driver = this.#o.driver;
    if (options.via === 'adb') {
      const out = await this.#shell('cmd statusbar expand-notifications');
      if (out.trim() !== '') throw new PhonehomeError(`${this.#o.phone.entry.name}: 'cmd statusbar expand-notifications' failed: ${out.trim().split('\n')[0]}`);
    } else {
      const { width, height } = await driver.getWindowRect();
      await this.#swipe(width * 0.5, 2, width * 0.5, height * 0.6);
    }
    const panel = await this.#until(async () => (await driver.findElements('id', SHADE_PANEL_ID))[0], WAIT_MS);
    if (!panel) throw await this.#fail('shade', `the status bar shade did not open (no ${SHADE_PANEL_ID} on screen)`);
    const name = await driver.getElementAttribute(elementId(panel), 'content-desc');
    if (!name) throw await this.#fail('shade', `the shade (${SHADE_PANEL_ID}) has no content-desc to name it on this phone`);
    return { what: 'status-bar', name };
  }

  /** Opens Settings' main page (`am start -a android.settings.SETTINGS` as the user on screen); returns its activity class. */
  async openSettings(): Promise<SystemUiShown> {
    const phone = this.#o.phone;
    const out = await this.#shell(`am start -W --user ${phone.currentUser} -a android.settings.SETTINGS`);
    if (/^Error|Exception/m.test(out)) throw new PhonehomeError(`${phone.entry.name}: Settings did not start: ${out.trim().split('\n').find((l) => /Error|Exception/.test(l))}`);
    const focus = await this.#until(async () => {
      const f = parseFocus(await this.#shell('dumpsys window displays')) ?? parseFocus(await this.#shell('dumpsys window'));
      return f?.package === SETTINGS_PACKAGE ? f : undefined;
    }, WAIT_MS);
    if (!focus) throw await this.#fail('settings', `Settings (${SETTINGS_PACKAGE}) is not in front after 'am start -a android.settings.SETTINGS'`);
    return { what: 'settings', name: focus.activity };
  }

  async #homeScreenName(timeoutMs: number): Promise<string> {
    const driver = this.#o.driver;
    const workspace = await this.#until(async () => (await driver.findElements('id', LAUNCHER_WORKSPACE_ID))[0], timeoutMs);
    if (!workspace) throw await this.#fail('home', `the launcher's workspace (${LAUNCHER_WORKSPACE_ID}) is not on screen`);
    const name = await driver.getElementAttribute(elementId(workspace), 'content-desc');
    if (!name) throw await this.#fail('home', `the launcher's workspace has no content-desc to name the home screen on this phone`);
    return name;
  }

  /** The workspace's description now, or undefined when it is not on screen or has none. */
  async #readHomeScreenName(): Promise<string | undefined> {
    const driver = this.#o.driver;
    const [workspace] = await driver.findElements('id', LAUNCHER_WORKSPACE_ID);
    if (!workspace) return undefined;
    return (await driver.getElementAttribute(elementId(workspace), 'content-desc')) || undefined;
  }

  /** A sideways swipe that may have nowhere to go (looking for a folder): whether the home screen changed. */
  async #trySwipe(direction: 'next' | 'previous'): Promise<boolean> {
    const before = await this.#homeScreenName(WAIT_MS);
    return (await this.#swipeFrom(before, direction, 1500)) !== undefined;
  }

  async #swipe(x1: number, y1: number, x2: number, y2: number): Promise<void> {
    const at = (v: number) => Math.max(0, Math.round(v));
    await this.#o.driver.performActions([{
      type: 'pointer',
      id: 'finger1',
      parameters: { pointerType: 'touch' },
      actions: [
        { type: 'pointerMove', duration: 0, origin: 'viewport', x: at(x1), y: at(y1) },
        { type: 'pointerDown', button: 0 },
        { type: 'pause', duration: 100 },
        { type: 'pointerMove', duration: 400, origin: 'viewport', x: at(x2), y: at(y2) },
        { type: 'pointerUp', button: 0 },
      ],
    }]);
  }

  async #shell(command: string): Promise<string> {
    const phone = this.#o.phone;
    return phone.call(() => phone.adb.shell(command));
  }

  async #until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined || Date.now() >= deadline) return found;
      await delay(150);
    }
  }

  async #fail(label: string, message: string): Promise<PhonehomeError> {
    const driver = this.#o.driver;
    return failWithEvidence(path.join(this.#o.evidenceDir), `system-ui-${label}`, `${this.#o.phone.entry.name}: ${message}`, {
      screenshot: async () => Buffer.from(await driver.takeScreenshot(), 'base64'),
      pageSource: () => driver.getPageSource(),
    });
  }
}

function elementId(element: Record<string, string>): string {
  return element['element-6066-11e4-a52e-4f735466cecf'] ?? element.ELEMENT ?? '';
}

function xpathLiteral(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return `concat('${value.split("'").join(`', "'", '`)}')`;
}
