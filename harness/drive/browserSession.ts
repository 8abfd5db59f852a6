import { findErrorPage, type ErrorPage } from './errorPage.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { remote } from 'webdriverio';
import { delay, DeviceLostError, readAppVersions, type DeviceSession } from '../device/index.js';
import { PhonehomeError } from '../errors.js';
import type { BrowserMode, Canary, Visit } from '../visit.js';
import { failWithEvidence } from './actionEvidence.js';
import { endpointOptions, uiautomator2Capabilities } from './appiumCapabilities.js';
import { applyLocatorOverrides, locatorTableFor, profilePackages, type BrowserProfile, type LocatorName } from './browsers/index.js';
import { describeLocator, ElementFinder, toSelector, type FoundElement } from './elementFinder.js';
import { foregroundApp } from './foregroundApp.js';
import { launchCommand, resolveLauncherActivity } from './launcherActivity.js';
import { newVisitId } from './visitIds.js';
import { ScreenRecorder, type RecordingLimits } from './screenRecorder.js';
import { eventLocators, type EventLocatorName } from './browserEvents.js';
import { loadWebdriverio, type PhoneUiSession } from './phoneUiSession.js';

type Driver = Awaited<ReturnType<typeof remote>>;

const KEY_BACK = 4;
const KEY_ENTER = 66;
const KEY_DEL = 67;

export interface BrowserSessionOptions {
  phone: DeviceSession;
  profile: BrowserProfile;
  mode: BrowserMode;
  /** Appium server or Selenium Grid URL (devices.json appiumUrl, or the harness's own AppiumServer). */
  appiumUrl: string;
  /** UiAutomator2 systemPort: unique per phone. */
  systemPort: number;
  /** Capture folder of this phone: visits/ (screenshot + logcat per visit) go there. */
  captureDir?: string;
  /** Where the visit markers go (the capture folder's markers.jsonl: capture's MarkerWriter); the session closes it. */
  markers?: MarkerSink;
  /** Where failed actions save their screenshot and page source (default <captureDir>/failures, else reports/failures). */
  evidenceDir?: string;
  timeouts?: { elementMs?: number; pageLoadMs?: number };
  /** Notes for the operator (e.g. an app version the locators were not written for). */
  log?: (line: string) => void;
  /** The phone's capture: a navigation also counts as done when it recorded the page's own request. */
  capture?: CaptureWitness;
  /**
   * The phone's shared Appium session (one per phone, whatever the browser): start() brings the app
   * up inside it and close() leaves it open for the next browser. Absent: the BrowserSession opens
   * its own session with the app as the session's app, and close() ends it.
   */
  ui?: PhoneUiSession;
  /**
   * Records the screen during every visit (screenRecorder.ts) into `<captureDir>/visits/<id>.apng`,
   * within these bounds; absent or false: no recording (suites record by default, see scenario/browserDriver).
   */
  recording?: Partial<RecordingLimits> | false;
}

/** Answers whether the capture recorded a request for a page since a time (ms). */
export interface CaptureWitness {
  sawRequest(page: URL, since: number): boolean;
}

/** A visit marker as the session writes it; capture's Marker is the same shape, with more kinds. */
export interface VisitMarker {
  time: number;
  kind: 'note' | 'visit-start' | 'visit-end';
  visitId?: string;
  data?: Record<string, unknown>;
}

/**
 * Receives the session's visit markers. An interface, so drive/ stays below capture/ (the caller
 * passes capture's MarkerWriter, which writes the capture folder's markers.jsonl).
 */
export interface MarkerSink {
  write(marker: VisitMarker): void;
  close(): Promise<void>;
}

export interface VisitOptions {
  /** Tokens placed in the URL (or anywhere) that identify this visit: become `visit-token` canaries. */
  tokens?: string[];
  /** Extra canaries for this visit. */
  canaries?: Canary[];
}

export interface TypedVisitOptions extends VisitOptions {
  /** Shortest keystroke prefix searched (detect's DEFAULT_KEYSTROKE_MIN_LENGTH when absent). */
  keystrokeMinLength?: number;
}

/**
 * One WebdriverIO session driving one browser app on one phone in one mode. Every action checks
 * its result (the address bar shows the URL, the incognito indicator is there) and, when it does
 * not, fails with a screenshot and the page source saved — no blind clicks.
 */
export class BrowserSession {
  readonly profile: BrowserProfile;
  private currentMode: BrowserMode;
  private readonly options: BrowserSessionOptions;
  private driver: Driver | undefined;
  private finder: ElementFinder | undefined;
  private pkg: string | undefined;
  private appVersion: string | undefined;
  /** The launcher activity as the phone resolved it (undefined: launched through monkey). */
  private launcher: string | undefined;
  private markers: MarkerSink | undefined;
  private readonly visits: Visit[] = [];

  constructor(options: BrowserSessionOptions) {
    this.options = options;
    this.profile = options.profile;
    this.currentMode = options.mode;
  }

  /** The mode the session is in now (switchMode() changes it within the same Appium session). */
  get mode(): BrowserMode {
    return this.currentMode;
  }

  /** Whether start() has opened the WebdriverIO session (and close() has not ended it). */
  get started(): boolean {
    return this.driver !== undefined;
  }

  get phone(): DeviceSession {
    return this.options.phone;
  }

  /** Package actually driven (after start()). */
  get package(): string {
    if (!this.pkg) throw new PhonehomeError(`${this.label}: not started`);
    return this.pkg;
  }

  get version(): string | undefined {
    return this.appVersion;
  }

  /** The WebdriverIO session (after start()): for a suite's own steps the scenario API has no word for. */
  get webdriver(): Driver {
    return this.drv();
  }

  /** Visits made in this session, in order. */
  get visitRecords(): readonly Visit[] {
    return this.visits;
  }

  private get label(): string {
    return `${this.profile.name} (${this.mode}) on ${this.options.phone.name}`;
  }

  private get elementMs(): number {
    return this.options.timeouts?.elementMs ?? 10_000;
  }

  private get pageLoadMs(): number {
    return this.options.timeouts?.pageLoadMs ?? 20_000;
  }

  /** Opens the WebdriverIO session, launches the app, dismisses first-run dialogs and enters the mode. */
  async start(): Promise<void> {
    const { phone, profile } = this.options;
    const candidates = profilePackages(profile, phone.entry.packages);
    const installed = await phone.call(() => readAppVersions(phone.adb, candidates, phone.currentUser));
    const app = candidates.map((p) => installed.find((a) => a.package === p)).find((a) => a !== undefined);
    if (!app) {
      throw new PhonehomeError(`${profile.label} is not installed on ${phone.name} (looked for ${candidates.join(', ')}); install it, or set devices.json "packages": { "${profile.name}": "<package>" }`);
    }
    this.pkg = app.package;
    this.appVersion = app.version;
    if (!profile.writtenFor.includes(app.version)) {
      this.options.log?.(`note: ${profile.label} ${app.version} on ${phone.name}: the locators were written for ${profile.writtenFor.join(', ')}; if an action fails, 'phonehome inspect ${phone.name} --browser ${profile.name}' shows the screen to fix a locator`);
    }
    this.launcher = await phone.call(() => resolveLauncherActivity(phone.adb, app.package));
    // The per-version table from the data files (harness/drive/browsers/locators/), else the profile's model.
    const shipped = locatorTableFor(app.package, app.version, profile.locators(app.package));
    if (!shipped) this.options.log?.(`note: no locator table for ${app.package}@${app.version} in harness/drive/browsers/locators/; using the ${profile.name} profile's unverified model ('phonehome inspect' shows the screen)`);
    const table = applyLocatorOverrides(shipped?.table ?? profile.locators(app.package), phone.entry.locators?.[profile.name], `devices.json device '${phone.name}' locators.${profile.name}`);
    if (this.options.ui) {
      // launch() below brings the app up inside the phone's shared session.
      this.driver = await this.options.ui.driver();
    } else {
      const capabilities = await uiautomator2Capabilities({
        entry: phone.entry,
        adb: phone.adb,
        systemPort: this.options.systemPort,
        app: { package: app.package, ...(this.launcher ? { activity: this.launcher } : {}) },
      });
      const { remote } = await loadWebdriverio();
      try {
        this.driver = await remote({
          ...endpointOptions(this.options.appiumUrl),
          capabilities: capabilities as WebdriverIO.Capabilities,
          logLevel: 'silent',
          connectionRetryCount: 0,
          connectionRetryTimeout: 180_000,
        });
      } catch (error) {
        await this.phone.checkAlive();
        throw new PhonehomeError(`${this.label}: Appium could not start a session at ${this.options.appiumUrl}: ${firstLine(error)}`, { cause: error });
      }
    }
    const driver = this.driver;
    this.finder = new ElementFinder({ findElements: (using, value) => driver.findElements(using, value) as unknown as Promise<Array<Record<string, string>>> }, table);
    this.markers = this.options.markers;
    await this.launch();
    await this.dismissFirstRunDialogs();
    if (this.mode === 'incognito') await this.enterIncognito();
    else if (await this.finder.find('incognitoIndicator', 0)) await this.exitIncognito();
  }

  /**
   * Reuses this Appium session for another test: brings the app back to the front (a suite may have
   * pressed Home) and switches to `mode` through the app's own menu, checked by its indicator. One
   * session per phone and browser saves a UiAutomator2 session start (about 2 s) per test.
   */
  async switchMode(mode: BrowserMode): Promise<void> {
    this.drv();
    await this.launch();
    this.currentMode = mode;
    if (mode === 'incognito') await this.enterIncognito();
    else await this.exitIncognito();
    await this.act('switchMode', () => this.checkMode());
  }

  /** Brings the app to the front (starting it when needed) and checks that its UI shows. */
  async launch(): Promise<void> {
    await this.act('launch', async () => {
      const focus = await this.phone.call(() => foregroundApp(this.phone.adb));
      if (focus?.package !== this.package) {
        const command = launchCommand({ package: this.package, activity: this.launcher }, this.phone.currentUser);
        const out = await this.phone.call(() => this.phone.adb.shell(command));
        if (/Error|Exception|aborted/.test(out)) throw new Error(`'${command}' failed: ${out.trim().split('\n').pop()}`);
      }
      const deadline = Date.now() + this.elementMs;
      while (Date.now() < deadline) {
        if ((await this.addressElement()) || (await this.finders().find('dialogAccept', 0))) return;
        await delay(150);
      }
      throw new Error(`neither the address bar (${this.describe('addressBarDisplay')} / ${this.describe('addressBar')}) nor a first-run dialog appeared within ${this.elementMs} ms`);
    });
  }

  /** Accepts the app's first-run dialogs whose button is one the profile knows; returns how many. */
  async dismissFirstRunDialogs(): Promise<number> {
    return this.act('dismissFirstRunDialogs', async () => {
      let dismissed = 0;
      for (let round = 0; round < 6; round++) {
        const button = await this.finders().find('dialogAccept', round === 0 ? 1000 : 500);
        if (!button) break;
        const text = (await this.drv().getElementText(button.id)).trim();
        const title = await this.textOf('dialogTitle');
        if (!this.profile.firstRunButtons.includes(text)) {
          throw new Error(`a dialog${title ? ` '${title}'` : ''} shows a button '${text}' that the ${this.profile.name} profile does not know (known: ${this.profile.firstRunButtons.join(', ')}); not pressing it`);
        }
        await this.drv().elementClick(button.id);
        // The dialog must go (or be replaced by the next one).
        const deadline = Date.now() + this.elementMs;
        for (;;) {
          const next = await this.finders().find('dialogAccept', 0);
          const nextTitle = next ? await this.textOf('dialogTitle') : undefined;
          if (!next || next.id !== button.id || nextTitle !== title) break;
          if (Date.now() > deadline) throw new Error(`the dialog${title ? ` '${title}'` : ''} stayed after pressing '${text}'`);
          await delay(150);
        }
        dismissed++;
      }
      await this.mustAddress('after the first-run dialogs, the address bar');
      return dismissed;
    });
  }

  async enterIncognito(): Promise<void> {
    await this.act('enterIncognito', async () => {
      if (await this.finders().find('incognitoIndicator', 0)) return;
      await this.pickMenuEntry('menuIncognito', this.profile.menuTexts.enterIncognito);
      if (!(await this.finders().find('incognitoIndicator', this.elementMs))) {
        throw new Error(`the incognito indicator (${this.describe('incognitoIndicator')}) did not appear`);
      }
    });
  }

  async exitIncognito(): Promise<void> {
    await this.act('exitIncognito', async () => {
      if (!(await this.finders().find('incognitoIndicator', 0))) return;
      await this.pickMenuEntry('menuIncognito', this.profile.menuTexts.exitIncognito);
      if (!(await this.finders().gone('incognitoIndicator', this.elementMs))) throw new Error('the incognito indicator is still shown');
    });
  }

  /** Types a URL into the address bar and presses Enter; checks the bar shows it and the mode holds. */
  async visit(url: string, options: VisitOptions = {}): Promise<Visit> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PhonehomeError(`${this.label}: visit('${url}'): not an absolute URL`);
    }
    const canaries: Canary[] = [{ kind: 'visit-url', value: url }, ...(options.tokens ?? []).map((value) => ({ kind: 'visit-token' as const, value })), ...(options.canaries ?? [])];
    return this.recordVisit('visit', url, undefined, canaries, async () => {
      const since = Date.now();
      await this.typeIntoAddressBar(url);
      // Done when the capture saw the page's own request, or the bar shows the URL in a form real
      // omniboxes use (full, without scheme, host only: Chromium's after a load).
      // Host only is ambiguous while the previous page of the same host still shows, so it is
      // confirmed by the capture or by the full URL the focused omnibox holds.
      await this.waitForAddress((shown) => showsUrl(shown, parsed, { hostOnly: false }), `the address bar to show ${url}`, () => this.captureSaw(parsed, since));
      return url;
    });
  }

  /**
   * Types an address letter by letter, one key event per character (Leith's scenario iv: a browser
   * whose suggestion service is asked on every keystroke sends each prefix), then Enter; checked as
   * visit() checks. `text` without a scheme opens as http://, as the browsers do; every prefix of it
   * is a keystroke-prefix canary of the visit.
   */
  async visitTyped(text: string, options: TypedVisitOptions = {}): Promise<Visit> {
    let parsed: URL;
    try {
      parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    } catch {
      throw new PhonehomeError(`${this.label}: visitTyped('${text}'): not an address (host[/path] or an absolute URL)`);
    }
    const url = parsed.href;
    const canaries: Canary[] = [{ kind: 'visit-url', value: url }, ...(options.tokens ?? []).map((value) => ({ kind: 'visit-token' as const, value })), ...(options.canaries ?? [])];
    const typed = { typedLetterByLetter: [text], ...(options.keystrokeMinLength !== undefined ? { keystrokeMinLength: options.keystrokeMinLength } : {}) };
    return this.recordVisit('visitTyped', url, undefined, canaries, async () => {
      const since = Date.now();
      await this.typeIntoAddressBar(text, { letterByLetter: true });
      await this.waitForAddress((shown) => showsUrl(shown, parsed, { hostOnly: false }), `the address bar to show ${url}`, () => this.captureSaw(parsed, since));
      return url;
    }, typed);
  }

  /**
   * Opens the start page (the Home button) and records its news feed as shown: every item's title on
   * screen is a canary (browsers that report feed items viewed send them). The start page stays on
   * screen; a visit() after it opens its page from the address bar as usual.
   */
  async newsFeed(): Promise<Visit> {
    const canaries: Canary[] = [];
    return this.recordVisit('newsFeed', 'about:home', undefined, canaries, async () => {
      await this.checkMode();
      const home = await this.mustEvent('homeButton', 'the Home button (this browser may have no news feed)');
      await this.drv().elementClick(home.id);
      const titles = await this.feedTitles();
      if (titles.length === 0) throw new Error(`after tapping Home, no news-feed item (${this.eventFinder().locators('feedItemTitle').map(describeLocator).join(' / ')}) appeared within ${this.elementMs} ms`);
      for (const title of titles) canaries.push({ kind: 'visit-token', value: title });
      return 'about:home';
    }, { event: 'news-feed' });
  }

  /**
   * Shares the page on screen (menu › Share, then the share panel's 'Copy link', which sends nothing
   * by itself): the page's URL is the canary. Needs a page loaded by this session (visit() first).
   */
  async share(): Promise<Visit> {
    const page = [...this.visits].reverse().find((v) => !v.event && v.url.startsWith('http'))?.url;
    if (!page) throw new PhonehomeError(`${this.label}: share() shares the page on screen: visit a page first`);
    const canaries: Canary[] = [{ kind: 'visit-url', value: page }, ...urlTokenCanaries(page)];
    return this.recordVisit('share', page, undefined, canaries, async () => {
      await this.checkMode();
      const menu = await this.must('menuButton', 'the menu button');
      await this.drv().elementClick(menu.id);
      const entry = await this.mustEvent('menuShare', "the menu entry 'Share'");
      await this.drv().elementClick(entry.id);
      const target = await this.mustEvent('shareTarget', 'the share panel');
      await this.drv().elementClick(target.id);
      if (!(await this.eventFinder().gone('shareTarget', this.elementMs))) throw new Error('the share panel stayed open after choosing a target');
      await this.mustAddress('after sharing, the address bar');
      return page;
    }, { event: 'share' });
  }

  /**
   * Downloads a file: its URL typed into the address bar, then the browser's download dialog
   * accepted. The file's URL is the canary; the page on screen stays (a download is not a page).
   */
  async download(url: string, options: VisitOptions = {}): Promise<Visit> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PhonehomeError(`${this.label}: download('${url}'): not an absolute URL`);
    }
    const canaries: Canary[] = [{ kind: 'visit-url', value: parsed.href }, ...(options.tokens ?? []).map((value) => ({ kind: 'visit-token' as const, value })), ...(options.canaries ?? [])];
    return this.recordVisit('download', parsed.href, undefined, canaries, async () => {
      await this.typeIntoAddressBar(parsed.href);
      const title = await this.eventFinder().find('downloadTitle', this.pageLoadMs);
      if (!title) throw new Error(`the download dialog (${this.eventFinder().locators('downloadTitle').map(describeLocator).join(' / ')}) did not appear within ${this.pageLoadMs} ms: is ${parsed.href} a file the server sends as a download?`);
      const accept = await this.mustEvent('downloadAccept', "the download dialog's Download button");
      await this.drv().elementClick(accept.id);
      if (!(await this.eventFinder().gone('downloadTitle', this.elementMs))) throw new Error('the download dialog stayed open after Download');
      return parsed.href;
    }, { event: 'download' });
  }

  /** Starts the app again after `pm clear` or a force-stop: launch, first-run dialogs (a fresh install shows them again). */
  async relaunch(): Promise<void> {
    this.drv();
    await this.launch();
    await this.dismissFirstRunDialogs();
  }

  /** Types search terms into the address bar; checks the browser went to a search results URL for them. */
  async search(terms: string, options: VisitOptions = {}): Promise<Visit> {
    if (terms.trim() === '' || /^[a-z]+:\/\//i.test(terms.trim())) throw new PhonehomeError(`${this.label}: search('${terms}'): give words, not a URL`);
    const canaries: Canary[] = [{ kind: 'search-term', value: terms }, ...(options.tokens ?? []).map((value) => ({ kind: 'visit-token' as const, value })), ...(options.canaries ?? [])];
    return this.recordVisit('search', '', [terms], canaries, async () => {
      await this.typeIntoAddressBar(terms);
      return this.waitForAddress((shown) => /^https?:\/\//.test(shown) && carriesTerms(shown, terms), `the address bar to show a search URL carrying '${terms}'`);
    });
  }

  /** Back key: returns the address now shown, or null when the app was left (no history). */
  async back(): Promise<string | null> {
    return this.act('back', async () => {
      const before = await this.addressShown();
      await this.drv().pressKeyCode(KEY_BACK);
      const deadline = Date.now() + this.elementMs;
      while (Date.now() < deadline) {
        const focus = await this.phone.call(() => foregroundApp(this.phone.adb));
        if (focus && focus.package !== this.package) return null;
        const now = await this.addressShown();
        if (now !== undefined && now !== before) return now;
        await delay(150);
      }
      throw new Error(`Back changed neither the page (still ${before ?? 'no address'}) nor the app in front`);
    });
  }

  /**
   * Sets the app's incognito-data switch (menu › Settings) to on or off — the switch's own state, so
   * 'on' means "Enhanced Incognito Mode" on for 12.1.4 / 3.4.3 wording and "share statistics" on for
   * the later "Help us improve …" wording. Fails on app versions without the switch.
   */
  async setIncognitoDataSwitch(state: 'on' | 'off'): Promise<void> {
    await this.act(`setIncognitoDataSwitch(${state})`, async () => {
      await this.pickMenuEntry('menuSettings', this.profile.menuTexts.settings);
      await this.must('settingsTitle', 'the settings screen title');
      const toggle = await this.finders().find('incognitoDataSwitch', 2000);
      if (!toggle) {
        await this.drv().pressKeyCode(KEY_BACK);
        throw new Error(`${this.profile.label} ${this.appVersion ?? ''} has no incognito-data switch in Settings (it came with Mi Browser 12.1.4 / Mint 3.4.3)`);
      }
      const label = await this.findLabel();
      if (!label) throw new Error(`the settings screen has a switch, but none of the known labels (${this.profile.incognitoDataSwitchLabels.join(' / ')}) is shown beside it`);
      const want = state === 'on';
      if (((await this.drv().getElementAttribute(toggle.id, 'checked')) === 'true') !== want) await this.drv().elementClick(toggle.id);
      const deadline = Date.now() + this.elementMs;
      while (((await this.drv().getElementAttribute(toggle.id, 'checked')) === 'true') !== want) {
        if (Date.now() > deadline) throw new Error(`the '${label}' switch did not turn ${state}`);
        await delay(150);
      }
      await this.drv().pressKeyCode(KEY_BACK);
      await this.mustAddress('back from Settings, the address bar');
      await this.checkMode();
    });
  }

  async pageSource(): Promise<string> {
    return this.drv().getPageSource();
  }

  /** The browser's network error page, if it is on screen (drive/errorPage.ts); undefined when the screen cannot be read. */
  async errorPageShown(): Promise<ErrorPage | undefined> {
    if (this.phone.lost) return undefined;
    try {
      return findErrorPage(await this.pageSource());
    } catch {
      return undefined;
    }
  }

  async screenshot(): Promise<Buffer> {
    try {
      return Buffer.from(await this.drv().takeScreenshot(), 'base64');
    } catch {
      return this.phone.screenshot();
    }
  }

  /** Ends the WebdriverIO session (the app stays as it is); a shared session stays open for the phone's next browser. */
  async close(): Promise<void> {
    const driver = this.driver;
    this.driver = undefined;
    await this.markers?.close();
    this.markers = undefined;
    if (driver && !this.options.ui) await driver.deleteSession().catch(() => undefined);
  }

  // -- internals --

  private drv(): Driver {
    if (!this.driver) throw new PhonehomeError(`${this.label}: session not started (call start())`);
    return this.driver;
  }

  private events: ElementFinder<EventLocatorName> | undefined;

  /** The finder for the event screens (browserEvents.ts), made on first use. */
  private eventFinder(): ElementFinder<EventLocatorName> {
    const driver = this.drv();
    this.events ??= new ElementFinder<EventLocatorName>({ findElements: (using, value) => driver.findElements(using, value) as unknown as Promise<Array<Record<string, string>>> }, eventLocators(this.package));
    return this.events;
  }

  private async mustEvent(name: EventLocatorName, what: string): Promise<FoundElement> {
    const found = await this.eventFinder().find(name, this.elementMs);
    if (!found) throw new Error(`${what} (${this.eventFinder().locators(name).map(describeLocator).join(' / ')}) did not appear within ${this.elementMs} ms`);
    return found;
  }

  /** The titles of the news-feed items on screen, waiting up to elementMs for the first. */
  private async feedTitles(): Promise<string[]> {
    const deadline = Date.now() + this.elementMs;
    for (;;) {
      for (const locator of this.eventFinder().locators('feedItemTitle')) {
        const { using, value } = toSelector(locator);
        const found = (await this.drv().findElements(using, value)) as unknown as Array<Record<string, string>>;
        const titles: string[] = [];
        for (const el of found) {
          const elementId = Object.values(el)[0];
          if (!elementId) continue;
          const text = (await this.drv().getElementText(elementId).catch(() => '')).trim();
          if (text) titles.push(text);
        }
        if (titles.length > 0) return titles;
      }
      if (Date.now() >= deadline) return [];
      await delay(150);
    }
  }

  private finders(): ElementFinder {
    if (!this.finder) throw new PhonehomeError(`${this.label}: session not started (call start())`);
    return this.finder;
  }

  private describe(name: LocatorName): string {
    return this.finders().locators(name).map(describeLocator).join(' / ');
  }

  private async must(name: LocatorName, what: string): Promise<FoundElement> {
    const found = await this.finders().find(name, this.elementMs);
    if (!found) throw new Error(`${what} (${this.describe(name)}) did not appear within ${this.elementMs} ms`);
    return found;
  }

  private async textOf(name: LocatorName): Promise<string | undefined> {
    const found = await this.finders().find(name, 0);
    if (!found) return undefined;
    try {
      return (await this.drv().getElementText(found.id)).trim();
    } catch {
      return undefined; // the element went between finding and reading
    }
  }

  private async findLabel(): Promise<string | undefined> {
    for (const label of this.profile.incognitoDataSwitchLabels) {
      const found = await this.drv().findElements('xpath', `//*[@text="${label}"]`);
      if (found.length > 0) return label;
    }
    return undefined;
  }

  /** Menu › entry, checking the entry's text (so 'Exit incognito mode' is never clicked to enter it). */
  private async pickMenuEntry(name: LocatorName, text: string): Promise<void> {
    const menu = await this.must('menuButton', 'the menu button');
    await this.drv().elementClick(menu.id);
    const entry = await this.must(name, `the menu entry '${text}'`);
    const shown = (await this.drv().getElementText(entry.id)).trim();
    if (shown !== text) throw new Error(`the menu entry reads '${shown}', expected '${text}'`);
    await this.drv().elementClick(entry.id);
  }

  /** The address element on screen: the edit field when it shows, else its display (tap target). */
  private async addressElement(): Promise<FoundElement | undefined> {
    return (await this.finders().find('addressBar', 0)) ?? (await this.finders().find('addressBarDisplay', 0));
  }

  private async mustAddress(what: string): Promise<FoundElement> {
    const deadline = Date.now() + this.elementMs;
    for (;;) {
      const found = await this.addressElement();
      if (found) return found;
      if (Date.now() >= deadline) throw new Error(`${what} (${this.describe('addressBarDisplay')} / ${this.describe('addressBar')}) did not appear within ${this.elementMs} ms`);
      await delay(150);
    }
  }

  /** What the address bar shows now (edit field or display). */
  private async addressShown(): Promise<string | undefined> {
    const found = await this.addressElement();
    if (!found) return undefined;
    try {
      return (await this.drv().getElementText(found.id)).trim();
    } catch {
      return undefined; // the element went between finding and reading
    }
  }

  /**
   * The address bar is two elements where the app has two: tap the display (Mi Browser / Pro
   * `search_hint`), then type into the edit field (`url`) that replaces it; Mint's `url_bar` is both.
   * An inline autocompletion (Chromium's omnibox completes from history while typing) is removed
   * with one DEL, as on the phone, so Enter opens what was typed.
   */
  private async typeIntoAddressBar(text: string, options: { letterByLetter?: boolean } = {}): Promise<void> {
    await this.checkMode();
    let bar = await this.finders().find('addressBar', 0);
    if (!bar) {
      const display = await this.must('addressBarDisplay', 'the address bar');
      await this.drv().elementClick(display.id);
      bar = await this.must('addressBar', 'after tapping the address bar, its edit field');
    } else {
      await this.drv().elementClick(bar.id);
    }
    await this.drv().elementClear(bar.id);
    if (options.letterByLetter) {
      // One key at a time, each appended to what the field holds (UiAutomator2's send-keys without replace).
      for (const ch of Array.from(text)) await this.drv().elementSendKeys(bar.id, ch);
    } else await this.drv().elementSendKeys(bar.id, text);
    let typed = (await this.drv().getElementText(bar.id)).trim();
    if (typed !== text.trim() && isInlineCompletion(typed, text)) {
      await this.drv().pressKeyCode(KEY_DEL);
      typed = (await this.drv().getElementText(bar.id)).trim();
    }
    if (typed !== text.trim()) throw new Error(`typed '${text}' but the address bar reads '${typed}'`);
    await this.drv().pressKeyCode(KEY_ENTER);
  }

  /**
   * Polls the address bar until `accept` takes what it shows, or `done()` says the navigation is
   * evidenced otherwise (the capture saw the page). A display that is not a full URL (Chromium's
   * host-only omnibox) is opened once to read the full URL it holds, then closed with Back.
   */
  private async waitForAddress(accept: (shown: string) => boolean, what: string, done?: () => boolean): Promise<string> {
    const deadline = Date.now() + this.pageLoadMs;
    let shown: string | undefined;
    let revealed: string | undefined;
    while (Date.now() < deadline) {
      shown = await this.addressShown();
      if (shown !== undefined && accept(shown)) {
        await this.checkMode();
        return shown;
      }
      if (shown && shown !== revealed && !/^[a-z][a-z0-9+.-]*:/i.test(shown) && !/\s/.test(shown)) {
        revealed = await this.revealFullAddress();
        if (revealed !== undefined && accept(revealed)) {
          await this.checkMode();
          return revealed;
        }
      }
      if (done?.()) {
        await this.checkMode();
        return shown ?? '';
      }
      await delay(150);
    }
    throw new Error(`waited ${this.pageLoadMs} ms for ${what}; it shows '${shown ?? '(no address bar)'}'`);
  }

  /** Focuses the omnibox (which then holds the full URL), reads it and leaves it with Back. */
  private async revealFullAddress(): Promise<string | undefined> {
    const target = (await this.finders().find('addressBar', 0)) ?? (await this.finders().find('addressBarDisplay', 0));
    if (!target) return undefined;
    await this.drv().elementClick(target.id);
    const edit = await this.finders().find('addressBar', 2000);
    const full = edit ? (await this.drv().getElementText(edit.id).catch(() => '')).trim() : undefined;
    await this.drv().pressKeyCode(KEY_BACK);
    return full;
  }

  /** Whether the capture has recorded a request for the page since `since` (same host, path and query). */
  private captureSaw(page: URL, since: number): boolean {
    return this.options.capture?.sawRequest(page, since) ?? false;
  }

  /** The mode the session is in must still be the one on screen (incognito indicator present or not). */
  private async checkMode(): Promise<void> {
    const indicator = await this.finders().find('incognitoIndicator', 0);
    if (this.mode === 'incognito' && !indicator) throw new Error('the incognito indicator is gone: the browser is no longer in incognito mode');
    if (this.mode === 'normal' && indicator) throw new Error('the incognito indicator is shown in a normal-mode session');
  }

  private async recordVisit(action: string, url: string, searchTerms: string[] | undefined, canaries: Canary[], navigate: () => Promise<string>, typed: Pick<Visit, 'typedLetterByLetter' | 'keystrokeMinLength' | 'event'> = {}): Promise<Visit> {
    const id = newVisitId();
    const { phone } = this.options;
    const t0 = Date.now();
    const base = { id, device: phone.name, browser: this.profile.name, version: this.appVersion, mode: this.mode, searchTerms, ...typed };
    // A note at once (a run killed mid-visit still shows it began); the Visit markers once it is known.
    this.markers?.write({ time: t0, kind: 'note', visitId: id, data: { note: `${action} begins`, ...base, url } });
    // The screen is recorded while the visit runs (frames taken in the background, beside the actions).
    const recorder = this.options.recording && this.options.captureDir ? new ScreenRecorder(() => phone.screenshot(), this.options.recording) : undefined;
    recorder?.start();
    let finalUrl: string;
    try {
      finalUrl = await this.act(action, navigate);
    } catch (error) {
      await recorder?.stop();
      throw error;
    }
    const t1 = Date.now();
    // No new frame once the visit is over: the screenshot below is the recording's last frame.
    void recorder?.halt();
    const all = searchTerms ? [...canaries, { kind: 'visit-url' as const, value: finalUrl }] : canaries;
    const visit: Visit = { ...base, url: finalUrl, canaries: all.map((c) => ({ ...c, visitId: id })), t0, t1 };
    if (!searchTerms) delete visit.searchTerms;
    // The screen as the visit left it, read twice at once (both only read it: nothing acts in
    // between): the screenshot and logcat saved as the visit's evidence, and the page source for the
    // browser's network error page. The address bar shows a typed URL even when the load failed: the
    // screen says whether the page came (an error page is a blind spot: detect/ makes the visit unobservable).
    const evidence = this.options.captureDir ? phone.saveVisitEvidence(path.join(this.options.captureDir, 'visits', id), t0, t1) : undefined;
    evidence?.catch(() => undefined); // awaited below; a failure there is the visit's
    const errorPage = await this.errorPageShown();
    if (errorPage) visit.errorPage = { ...errorPage, time: Date.now() };
    // detect/ reads the Visit from visit-start (sorted by time, so writing it now keeps the order).
    this.markers?.write({ time: t0, kind: 'visit-start', visitId: id, data: { ...visit } });
    this.markers?.write({ time: t1, kind: 'visit-end', visitId: id, data: { ...visit } });
    const saved = await evidence;
    if (recorder && this.options.captureDir) await this.saveRecording(recorder, path.join(this.options.captureDir, 'visits', `${id}.apng`), saved?.png);
    this.visits.push(visit);
    return visit;
  }

  /** Ends the visit's recording on the screen it left and writes it; a recording that cannot be made is a note, never the visit's failure. */
  private async saveRecording(recorder: ScreenRecorder, file: string, finalPng: Buffer | undefined): Promise<void> {
    try {
      const recording = await recorder.stop(finalPng);
      if (!recording) {
        this.options.log?.(`note: no screen recording for ${path.basename(file, '.apng')}${recorder.reasons.length ? ` (${recorder.reasons.join('; ')})` : ''}`);
        return;
      }
      await writeFile(file, recording.apng);
      for (const note of recording.notes) this.options.log?.(`note: screen recording ${path.basename(file)}: ${note}`);
    } catch (error) {
      this.options.log?.(`note: no screen recording for ${path.basename(file, '.apng')} (${firstLine(error)})`);
    }
  }

  /**
   * Runs an action; when it fails, a lost phone gives the phone's error, anything else fails with a
   * screenshot and the page source saved.
   */
  private async act<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.phone.lost) throw this.phone.lost;
    try {
      return await work();
    } catch (error) {
      if (error instanceof DeviceLostError) throw error;
      await this.phone.checkAlive();
      if (error instanceof PhonehomeError) throw error;
      const dir = this.options.evidenceDir ?? (this.options.captureDir ? path.join(this.options.captureDir, 'failures') : path.resolve('reports', 'failures'));
      throw await failWithEvidence(dir, `${this.options.phone.name}-${this.profile.name}-${action}`, `${this.label}: ${action} failed: ${firstLine(error)}`, {
        screenshot: () => this.screenshot(),
        pageSource: () => this.pageSource(),
      }, error);
    }
  }
}

/**
 * Whether the address bar shows `wanted` in a form real omniboxes use: the full URL, the URL without
 * its scheme, or only the host (Chromium's omnibox after a load; Mint 3.4.x is a Chromium fork).
 */
export function showsUrl(shown: string, wanted: URL, options: { hostOnly?: boolean } = {}): boolean {
  if (sameUrl(shown, wanted)) return true;
  const text = shown.trim().toLowerCase();
  if (text === '' || /\s/.test(text)) return false;
  if (text === wanted.host.toLowerCase()) return options.hostOnly ?? true;
  return /^[a-z][a-z0-9+.-]*:/i.test(text) ? false : sameUrl(`${wanted.protocol}//${shown.trim()}`, wanted);
}

/** Inline autocompletion: the field reads what was typed plus a completion after it. */
export function isInlineCompletion(shown: string, typed: string): boolean {
  const t = typed.trim();
  return t !== '' && shown.length > t.length && shown.toLowerCase().startsWith(t.toLowerCase());
}

/** The `ph…` token a uniqueUrl() carries, as its own canary (it survives URL rewriting). */
function urlTokenCanaries(url: string): Canary[] {
  const token = /\bph[a-z2-7]{18}\b/.exec(url)?.[0];
  return token ? [{ kind: 'visit-token', value: token }] : [];
}

/** Same page: scheme, host and path (trailing slash aside) and query. */
export function sameUrl(shown: string, wanted: URL): boolean {
  let url: URL;
  try {
    url = new URL(shown);
  } catch {
    return false;
  }
  const strip = (p: string) => p.replace(/\/+$/, '');
  return url.protocol === wanted.protocol && url.host === wanted.host && strip(url.pathname) === strip(wanted.pathname) && url.search === wanted.search;
}

/** Whether a search URL carries the terms (in its query, form-encoded or percent-encoded). */
export function carriesTerms(shown: string, terms: string): boolean {
  try {
    const url = new URL(shown);
    const wanted = terms.trim().toLowerCase();
    for (const value of url.searchParams.values()) if (value.trim().toLowerCase() === wanted) return true;
    return decodeURIComponent(url.search.replace(/\+/g, ' ')).toLowerCase().includes(wanted);
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

export async function writeInspection(dir: string, base: string, source: string, png: Buffer): Promise<{ pageSource: string; screenshot: string }> {
  await mkdir(dir, { recursive: true });
  const pageSource = path.join(dir, `${base}.xml`);
  const screenshot = path.join(dir, `${base}.png`);
  await writeFile(pageSource, source);
  await writeFile(screenshot, png);
  return { pageSource, screenshot };
}
