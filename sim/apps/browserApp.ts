import crypto from 'node:crypto';
import type { AppProfile, DeviceProfile } from '../profile.js';
import type { NetworkStack } from '../net/index.js';
import { interpretAddress } from './addressInput.js';
import { loadPage, type LoadedPage } from './pageLoader.js';
import { makeFeed, type FeedItem } from './newsFeed.js';
import { TelemetryEngine } from './telemetry/index.js';
import { browserUserAgent, javaUserAgent } from './userAgents.js';

export type FirstRunDialog = NonNullable<AppProfile['firstRunDialogs']>[number];

/** What survives a force-stop and is wiped by `pm clear`. */
interface AppData {
  acceptedDialogs: Set<string>;
  incognitoDataSwitchOn: boolean;
  /** Normal-mode browsing history (incognito visits are not recorded), newest last. */
  history: Array<{ url: string; title: string; at: number }>;
  /** The SDKs' permanent install id (Palant: a UUID kept until the app's data is cleared). */
  installId: string;
  seq: number;
}

const MAX_HISTORY = 500;
/** Longest text the address bar holds (an EditText maxLength; Chromium caps URLs at 2 MB). */
const MAX_ADDRESS = 64 * 1024;
const MAX_BACK_STACK = 50;

export interface AppHost {
  net: NetworkStack;
  device: DeviceProfile;
  log: (priority: number, tag: string, message: string, pid?: number) => void;
  /** Chromium's command line for this app, read as it starts (none: []). */
  commandLine?: (fileName: string) => string[];
  /** Settings.Secure.ANDROID_ID as this app reads it (its own SSAID on Android 8+). */
  androidId?: () => string;
}

/** The command-line file a profile's app reads: Chromium-based apps only (see AppProfile.chromiumCommandLine). */
export function commandLineFileOf(profile: AppProfile): string | undefined {
  if (profile.chromiumCommandLine === 'none') return undefined;
  if (profile.chromiumCommandLine) return profile.chromiumCommandLine;
  return /\.chromium\./.test(profile.activity) ? 'chrome-command-line' : undefined;
}

/**
 * One installed app's state machine. A browser: first-run dialogs, normal and incognito tabs with
 * their back stacks, the address bar being edited, the menu sheet, the settings screen with the
 * incognito-data switch, and the telemetry its profile sends on each of these events. A service
 * app only has a process and telemetry. The runtime (appRuntime.ts) owns focus and processes.
 */
export class SimApp {
  readonly profile: AppProfile;
  readonly telemetry: TelemetryEngine;
  readonly userAgent: string;
  pid: number | null = null;

  // Process state: lost on force-stop.
  incognito = false;
  /** 'home': the start page with the news feed; 'share': the share panel over the page. */
  screen: 'browser' | 'settings' | 'home' | 'share' = 'browser';
  menuOpen = false;
  /** A download waiting for the user's answer (the dialog Chromium-based browsers show). */
  downloadPrompt: { url: string; fileName: string; mimeType: string } | null = null;
  /** The feed of this process (made when the home screen first shows). */
  private feed: FeedItem[] | null = null;
  /** Address bar text while it has focus; null when not editing. */
  editing: string | null = null;
  private tabs: { normal: LoadedPage[]; incognito: LoadedPage[] } = { normal: [], incognito: [] };
  private loadGeneration = 0;
  /** Chromium's --ignore-certificate-errors-spki-list as read at process start. */
  ignoreCertErrorsSpki: string[] = [];
  private data: AppData;
  private readonly host: AppHost;

  constructor(profile: AppProfile, host: AppHost) {
    this.profile = profile;
    this.host = host;
    this.data = freshData(profile);
    this.userAgent = browserUserAgent(profile, host.device);
    this.telemetry = new TelemetryEngine({
      app: profile,
      device: host.device,
      net: host.net,
      log: host.log,
      userAgent: javaUserAgent(host.device),
      state: () => ({ mode: this.incognito ? 'incognito' : 'normal', incognitoDataSwitchOn: profile.incognitoDataSwitch ? this.data.incognitoDataSwitchOn : undefined }),
      installId: () => this.data.installId,
      pid: () => this.pid ?? undefined,
      nextSeq: () => ++this.data.seq,
      ...(host.androidId ? { androidId: host.androidId } : {}),
    });
  }

  get kind(): 'browser' | 'service' {
    return this.profile.kind ?? 'browser';
  }

  get running(): boolean {
    return this.pid !== null;
  }

  get incognitoDataSwitchOn(): boolean | undefined {
    return this.profile.incognitoDataSwitch ? this.data.incognitoDataSwitchOn : undefined;
  }

  /** Normal-mode history, oldest first. */
  history(): ReadonlyArray<{ url: string; title: string; at: number }> {
    return this.data.history;
  }

  /** The first first-run dialog not yet accepted (the browser beneath cannot be used meanwhile). */
  currentDialog(): FirstRunDialog | null {
    return this.profile.firstRunDialogs?.find((d) => !this.data.acceptedDialogs.has(d.id)) ?? null;
  }

  currentPage(): LoadedPage | null {
    const tab = this.tab();
    return tab[tab.length - 1] ?? null;
  }

  /** Inline autocompletion shown after the typed text (selected, so DEL or more typing drops it). */
  autocompletion = '';

  /** The text the address bar shows: what is being edited (with its inline autocompletion), else the page. */
  addressText(): string {
    if (this.editing !== null) return this.editing + this.autocompletion;
    const url = this.currentPage()?.url ?? '';
    // Chromium's omnibox shows the page's host without scheme once loaded (Mint 3.4.x is a Chromium fork).
    return this.profile.addressBar === 'omnibox' ? omniboxDisplay(url) : url;
  }

  // --- lifecycle (called by the runtime) ---

  processStarted(pid: number): void {
    this.pid = pid;
    // Chromium reads its command line once, when the process starts.
    const file = commandLineFileOf(this.profile);
    const switches = file ? this.host.commandLine?.(file) ?? [] : [];
    const spki = switches.map((s) => /^--ignore-certificate-errors-spki-list=(.+)$/.exec(s)?.[1]).find((v) => v !== undefined);
    this.ignoreCertErrorsSpki = spki ? spki.split(',').filter(Boolean) : [];
    // The analytics SDKs read ANDROID_ID as they initialise (unverified: when Xiaomi's SDK first asks);
    // on Android 8+ that first request is what creates the app's SSAID.
    this.host.androidId?.();
    this.telemetry.startIntervals();
  }

  /** Process death: process state resets; queued telemetry is flushed first (flush on force-stop). */
  processKilled(): Promise<void> {
    this.telemetry.stopIntervals();
    const flushed = this.telemetry.flush();
    this.pid = null;
    this.incognito = false;
    this.screen = 'browser';
    this.menuOpen = false;
    this.editing = null;
    this.downloadPrompt = null;
    this.feed = null;
    this.tabs = { normal: [], incognito: [] };
    this.loadGeneration++;
    return flushed;
  }

  /** `pm clear`: wipes dialogs accepted, the switch, history and the install id. */
  clearData(): void {
    this.data = freshData(this.profile);
  }

  /** The app came to the foreground through a launch (am start, launcher icon). */
  launched(): void {
    this.telemetry.fire('launch');
  }

  /** The app left the foreground (home, back out, another app, screen off): background rules, then flush. */
  backgrounded(): void {
    this.menuOpen = false;
    this.editing = null;
    this.telemetry.fire('background');
    void this.telemetry.flush();
  }

  // --- UI actions ---

  acceptDialog(id: string): void {
    this.data.acceptedDialogs.add(id);
  }

  focusAddress(): void {
    this.menuOpen = false;
    // Editing the address leaves the start page for the browser's own view (its keys go to the field).
    if (this.screen === 'home') this.screen = 'browser';
    // Focused, the field holds the full URL (Chromium swaps the host-only display for it).
    if (this.editing === null) {
      this.editing = this.currentPage()?.url ?? '';
      this.autocompletion = '';
    }
  }

  setAddressText(text: string, replace: boolean): Promise<void> {
    this.menuOpen = false;
    // A trailing newline typed into the field is the Enter key (as UiAutomator2 setText sends it).
    const enter = /\n$/.test(text);
    const clean = text.replace(/\n/g, '');
    this.editing = (replace ? clean : (this.editing ?? this.currentPage()?.url ?? '') + clean).slice(0, MAX_ADDRESS);
    this.autocompletion = this.profile.addressBar === 'omnibox' ? this.inlineAutocompletion(this.editing) : '';
    // Each change of the typed text is what a suggestion service is asked about (the profile says
    // whether and where: rules with when: 'input'); one paste is one change, each keystroke another.
    if (clean !== '' && this.editing.trim() !== '') this.telemetry.fire('input', { input: { text: this.editing } });
    return enter ? this.submitAddress() : Promise.resolve();
  }

  deleteChar(): void {
    // DEL first removes a selected inline autocompletion, as Chromium's omnibox does.
    if (this.autocompletion) this.autocompletion = '';
    else if (this.editing !== null) this.editing = this.editing.slice(0, -1);
  }

  /**
   * Chromium's omnibox completes typed text inline with the rest of a visited URL it is a prefix of
   * (scheme and "www." ignored). Unverified in detail for Mint 3.4.x beyond "it inline-autocompletes
   * while typing" (issue 11's evidence); modelled on normal-mode history only.
   */
  private inlineAutocompletion(typed: string): string {
    const want = typed.trim().toLowerCase();
    if (want === '' || /\s/.test(want)) return '';
    for (let i = this.data.history.length - 1; i >= 0; i--) {
      const url = this.data.history[i]!.url;
      for (const form of [url, url.replace(/^https?:\/\//i, ''), url.replace(/^https?:\/\/(www\.)?/i, '')]) {
        if (form.length > want.length && form.toLowerCase().startsWith(want)) return form.slice(want.length);
      }
    }
    return '';
  }

  /** Enter / Go: opens the typed URL or searches for the typed text. */
  async submitAddress(): Promise<void> {
    // Enter accepts the inline autocompletion with the typed text.
    const text = ((this.editing ?? '') + this.autocompletion).trim();
    this.editing = null;
    this.autocompletion = '';
    this.menuOpen = false;
    if (text === '') return;
    const intent = interpretAddress(text, this.profile.searchUrl);
    if (intent.kind === 'search') {
      this.telemetry.fire('search', { visit: { url: intent.url, host: hostOf(intent.url) }, search: { query: intent.query, engine: hostOf(intent.url) } });
    }
    await this.navigate(intent.url);
  }

  /** Loads a URL in the current tab, then fires the navigate rules. */
  async navigate(url: string): Promise<LoadedPage | null> {
    const generation = ++this.loadGeneration;
    const incognito = this.incognito;
    const page = await loadPage(this.host.net, url, {
      userAgent: this.userAgent,
      trustsUserCAs: this.profile.trustsUserCAs ?? this.host.device.sdk < 24,
      logTag: 'chromium',
      pid: this.pid ?? undefined,
      ...(this.ignoreCertErrorsSpki.length > 0 ? { ignoreCertErrorsSpki: this.ignoreCertErrorsSpki } : {}),
    });
    // A newer load, a mode switch or a process death while loading supersedes this one.
    if (generation !== this.loadGeneration || incognito !== this.incognito) return null;
    if (page.download) {
      // A file, not a page: the tab keeps what it showed, and the browser asks whether to download it.
      this.screen = 'browser';
      this.downloadPrompt = { url: page.url, fileName: page.download.fileName, mimeType: page.download.mimeType };
      return null;
    }
    this.screen = 'browser';
    const tab = this.tab();
    tab.push(page);
    if (tab.length > MAX_BACK_STACK) tab.shift();
    if (!this.incognito && !page.error) {
      this.data.history.push({ url: page.url, title: page.title, at: Date.now() });
      if (this.data.history.length > MAX_HISTORY) this.data.history.shift();
    }
    this.telemetry.fire('navigate', { visit: { url: page.url, requestedUrl: page.requestedUrl, host: hostOf(page.url), title: page.title } });
    return page;
  }

  openMenu(): void {
    this.editing = null;
    this.menuOpen = true;
  }

  closeMenu(): void {
    this.menuOpen = false;
  }

  /** Menu → Incognito mode: opens a fresh incognito tab; leaving it discards that tab. */
  toggleIncognito(): void {
    this.menuOpen = false;
    this.editing = null;
    this.loadGeneration++;
    this.incognito = !this.incognito;
    this.tabs.incognito = [];
  }

  /** The news feed on the home screen, made when it first shows in this process. */
  feedItems(): readonly FeedItem[] {
    if (!this.profile.newsFeed) return [];
    this.feed ??= makeFeed(this.profile.newsFeed.items);
    return this.feed;
  }

  /** Home button: the start page with the news feed; every item it shows counts as viewed (feed-view rules). */
  showHome(): void {
    if (!this.profile.newsFeed) return;
    this.menuOpen = false;
    this.editing = null;
    this.screen = 'home';
    this.feedItems().forEach((item, i) => this.telemetry.fire('feed-view', { feed: { title: item.title, url: item.url, position: i + 1 } }));
  }

  /** A tap on a feed item opens its article. */
  openFeedItem(index: number): Promise<LoadedPage | null> {
    const item = this.feedItems()[index];
    this.screen = 'browser';
    return item ? this.navigate(item.url) : Promise.resolve(null);
  }

  /** Menu → Share: the share panel for the page shown. */
  openShare(): void {
    this.menuOpen = false;
    this.editing = null;
    if (this.currentPage()) this.screen = 'share';
  }

  /** A target of the share panel: the page is shared (share rules fire) and the panel closes. */
  shareTo(target: string): void {
    const page = this.currentPage();
    this.screen = 'browser';
    if (page) this.telemetry.fire('share', { share: { url: page.url, title: page.title, target } });
  }

  /** The download dialog's answer: accepted fires the download rules (the file itself is not kept). */
  answerDownload(accept: boolean): void {
    const prompt = this.downloadPrompt;
    this.downloadPrompt = null;
    if (accept && prompt) this.telemetry.fire('download', { download: prompt });
  }

  openSettings(): void {
    this.menuOpen = false;
    this.editing = null;
    this.screen = 'settings';
  }

  toggleIncognitoDataSwitch(): void {
    if (this.profile.incognitoDataSwitch) this.data.incognitoDataSwitchOn = !this.data.incognitoDataSwitchOn;
  }

  /** Back: closes what is open, else goes back in the tab; 'exit' when there is nothing left (leave the app). */
  back(): 'handled' | 'exit' {
    if (this.currentDialog()) return 'exit';
    if (this.downloadPrompt) {
      this.downloadPrompt = null;
      return 'handled';
    }
    if (this.screen === 'share' || (this.screen === 'home' && this.currentPage())) {
      this.screen = 'browser';
      return 'handled';
    }
    if (this.menuOpen) {
      this.menuOpen = false;
      return 'handled';
    }
    if (this.screen === 'settings') {
      this.screen = 'browser';
      return 'handled';
    }
    if (this.editing !== null) {
      this.editing = null;
      return 'handled';
    }
    const tab = this.tab();
    if (tab.length > 1) {
      tab.pop();
      this.loadGeneration++;
      return 'handled';
    }
    return 'exit';
  }

  private tab(): LoadedPage[] {
    return this.incognito ? this.tabs.incognito : this.tabs.normal;
  }
}

function freshData(profile: AppProfile): AppData {
  return {
    acceptedDialogs: new Set(),
    incognitoDataSwitchOn: profile.incognitoDataSwitch?.defaultOn ?? true,
    history: [],
    installId: crypto.randomUUID(),
    seq: 0,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** Chromium's omnibox display of a loaded page: the host, without scheme. */
export function omniboxDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url;
    return parsed.host;
  } catch {
    return url;
  }
}
