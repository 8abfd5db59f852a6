/**
 * The scenario API: what a suite in scenarios/ gets from the harness. A suite never learns how a
 * phone is reached (USB, network, emulator, simulator): one code path for every phone.
 */
import type { BrowserMode, CanaryKind, Visit } from '../detect/index.js';
import type { IdentifierName } from '../device/index.js';
import type { Judgeable } from './judgement.js';
import type { remote } from 'webdriverio';

/** A WebdriverIO session (what `remote()` gives and wdio specs call `browser`). */
export type WebdriverBrowser = Awaited<ReturnType<typeof remote>>;

export interface ScenarioContext {
  readonly runId: string;
  /** The phones of this run (`--device`), provisioned and capturing. */
  readonly phones: readonly ScenarioPhone[];
  /** Modes the run includes (`--mode`; default both). */
  readonly modes: readonly BrowserMode[];
  /** A search term no server has seen before (it is a canary): `<prefix> <random words>`. */
  uniqueSearchTerm(prefix?: string): string;
  /** A URL on `site` (default a harmless test site) carrying a fresh random token. */
  uniqueUrl(site?: string): string;
}

export interface OpenBrowserOptions {
  /**
   * The app's incognito-data switch ("Enhanced Incognito Mode" / "Help us improve …"): set it on
   * or off before browsing; leave undefined to keep the app's default. 'off' on a version without the
   * switch is noted and ignored (there is nothing to turn off); 'on' there fails.
   */
  incognitoDataSwitch?: 'on' | 'off';
  /** Clear the app's data (`pm clear`: a fresh install) and start it again, even when this run opened it before (Leith's first start). */
  fresh?: boolean;
  /** Force-stop the app and start it again, its data kept (Leith's close and reopen). */
  restart?: boolean;
}

/** A named part of a suite (Leith's five scenarios): the report lists which hosts the phone contacted during it and what each received. */
export interface ScenarioStep {
  readonly name: string;
  readonly t0: number;
  readonly t1: number;
  /** Hosts the phone's traffic went to during the step, with how many flows each. */
  readonly hosts: ReadonlyMap<string, number>;
  /** Whether the capture provably saw the whole step (heartbeats, no blind spot); else why not. */
  readonly observed: boolean;
  readonly reasons: readonly string[];
}

export interface ScenarioPhone {
  readonly name: string;
  readonly model: string | undefined;
  /** Browser profiles installed on this phone that the run includes (`--browser`), optionally only these. */
  browsers(only?: readonly string[]): string[];
  /** Installed version of a browser profile's app. */
  appVersion(browser: string): string | undefined;
  /** Launches the browser (fresh: data cleared on first open in a run) and switches to the mode. */
  openBrowser(browser: string, mode: BrowserMode, options?: OpenBrowserOptions): Promise<ScenarioBrowser>;
  /** Adds a contact with a unique number (or the given one); the number becomes a canary. */
  addContact(contact?: { name?: string; number?: string }): Promise<ScenarioIdentifier>;
  /**
   * An SMS arrives on the phone from a unique number (or the given one): through an emulator's
   * console, a simulated phone's control socket, or — on a real phone — the operator, who is told
   * what to send and waited for (bounded; the output says how long). The sender's number, as the
   * phone recorded it, becomes a canary.
   */
  receiveSms(sms?: { from?: string; text?: string }): Promise<ScenarioIdentifier>;
  /** Signs the phone in to Mi Account / Mi Cloud (simulated phone: its control socket; else the operator, waited for). */
  signInMiAccount(): Promise<void>;
  /** The phone joins Wi-Fi: `svc wifi disable` then `svc wifi enable` over adb (refused when adb itself runs over Wi-Fi). */
  joinWifi(): Promise<void>;
  /** A device identifier read over ADB (IMEI, phone number …) as an assertion subject. */
  identifier(name: IdentifierName): ScenarioIdentifier;
  /** Presses Home: apps that report on going to the background do it now. */
  sendToBackground(): Promise<void>;
  /**
   * Waits for the phone's telemetry, then analyses the capture so visits and identifiers carry
   * verdicts. The wait ends when the traffic is quiet (no new flow for quietMs) and the verdict
   * window of the last visit is over (heartbeat-covered), or earlier on evidence: every visit made
   * since the last wait, and every subject in `untilLeaked` (an identifier the next assertion is
   * about), already judged `leaked` — a leak seen is final. timeoutMs bounds it whatever happens.
   */
  waitForTelemetry(options?: WaitForTelemetryOptions): Promise<void>;
  /**
   * Runs `work` as a named step: its begin and end are marked in the capture (the report's table of
   * steps), and the step's hosts and whether it was observed come back. End `work` with
   * waitForTelemetry() so what the step caused is inside it.
   */
  step(name: string, work: () => Promise<void>): Promise<ScenarioStep>;
  /**
   * The phone's system layer (launcher home screens and folders, the status bar shade, Settings),
   * driven through the run's Appium session as a person would. Each action returns what the screen
   * showed, named as the screen names it; that name is a canary from then on (kind screen-name).
   */
  systemUi(): Promise<ScenarioSystemUi>;
}

export interface ScenarioSystemUi {
  /** Presses Home; the home screen shown. */
  home(): Promise<ScenarioScreen>;
  /** Swipes sideways on the launcher to the next (or previous) home screen. */
  swipeHomeScreen(direction?: 'next' | 'previous'): Promise<ScenarioScreen>;
  /** Taps a folder on the home screens (by name, else the first icon described as a folder) and opens it. */
  openFolder(name?: string): Promise<ScenarioScreen>;
  /** Pulls the status bar shade down (a swipe from the top; `via: 'adb'`: `cmd statusbar expand-notifications`). */
  pullDownStatusBar(options?: { via?: 'gesture' | 'adb' }): Promise<ScenarioScreen>;
  /** Opens Settings' main page (`am start -a android.settings.SETTINGS`); its name is its activity class. */
  openSettings(): Promise<ScenarioScreen>;
  /** Back: closes an open folder, the shade, or the page in front. */
  back(): Promise<void>;
}

/** Something the system layer showed, judged like an identifier: which hosts received its name. */
export interface ScenarioScreen extends ScenarioIdentifier {
  readonly what: 'home-screen' | 'folder' | 'status-bar' | 'settings';
  readonly name: string;
}

export interface WaitForTelemetryOptions {
  quietMs?: number;
  timeoutMs?: number;
  /**
   * Subjects whose `leaked` verdict is all this wait needs (with the default evidence waits): once
   * they and the visits since the last wait are leaked, it ends. Subjects not listed are judged as of
   * that analysis, like any other. Ignored by the fixed waits (PHONEHOME_WAITS=fixed).
   */
  untilLeaked?: readonly Judgeable[];
}

export interface ScenarioBrowser {
  readonly browser: string;
  readonly mode: BrowserMode;
  readonly version: string | undefined;
  /**
   * The WebdriverIO session driving this browser, for a step the API has no word for
   * (`await b.driver.$('~Menu').click()`); a visit made through it is not marked — use visit().
   */
  readonly driver: WebdriverBrowser;
  /** Opens a URL (default: a fresh uniqueUrl()) in the address bar. */
  visit(url?: string): Promise<ScenarioVisit>;
  /** Types a search (default: a fresh uniqueSearchTerm()) into the address bar. */
  search(term?: string): Promise<ScenarioVisit>;
  /**
   * Types an address letter by letter and presses Enter (Leith's scenario iv; visit() pastes it):
   * default a fresh host `ph<token>.news.example.org`, token first so that every prefix from
   * `keystrokeMinLength` (default 6) characters on is evidence. Each prefix is a canary.
   */
  type(address?: string, options?: { keystrokeMinLength?: number }): Promise<ScenarioVisit>;
  /**
   * Opens the start page (Home) and records its news feed as shown: the titles of the items on
   * screen are the canaries (the 2020 browsers reported feed items viewed). Fails on a browser with
   * no Home button / feed.
   */
  newsFeed(): Promise<ScenarioVisit>;
  /** Shares the page on screen (menu › Share › Copy link); its URL is the canary. visit() first. */
  share(): Promise<ScenarioVisit>;
  /**
   * Downloads a file (default a fresh `https://downloads.example.org/files/ph<token>.zip`, which the
   * capture's sink answers as a file): its URL typed, the download dialog accepted; the URL is the canary.
   */
  download(url?: string): Promise<ScenarioVisit>;
  close(): Promise<void>;
}

export interface ScenarioVisit extends Judgeable {
  readonly record: Visit;
}

export interface ScenarioIdentifier extends Judgeable {
  readonly kind: CanaryKind;
  readonly value: string | undefined;
}
