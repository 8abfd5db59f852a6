import { randomInt } from 'node:crypto';
import path from 'node:path';
import { CaptureSidecar, HEARTBEAT_MS, MarkerWriter, readFlows, RouteProber } from '../capture/index.js';
import { deviceIdentifiersMarker, identifierVerdict, VERDICT_GRACE_MS, type BrowserMode, type Canary, type CanaryKind, type Visit } from '../detect/index.js';
import type { DeviceEntry } from '../config/index.js';
import { DeviceSession, joinWifi, phoneEvents, type AdbClient, type IdentifierName, type Identifiers, type PhoneEvents } from '../device/index.js';
import { BROWSER_PROFILES } from '../drive/browsers/index.js';
import type { SystemUiDriver, SystemUiShown } from '../drive/index.js';
import { PhonehomeError } from '../errors.js';
import { analysePhoneCapture, hostAddressesMarker, STEP_NOTE, type AppRecord, type JournalWriter, type PhoneRecord, type RunFolder } from '../report/index.js';
import type { OpenBrowserOptions, ScenarioBrowser, ScenarioIdentifier, ScenarioPhone, ScenarioScreen, ScenarioStep, ScenarioSystemUi, ScenarioVisit, WaitForTelemetryOptions, WebdriverBrowser } from './api.js';
import { EVIDENCE_QUIET_MS, FIXED_QUIET_MS, waitForEvidence, type WaitPolicy } from './evidenceWait.js';
import { JudgedIdentifier, JudgedVisit, type PhoneAnalysis } from './judgedSubjects.js';
import { quoteShellArg } from './shellArg.js';
import { uniqueFileUrl, uniqueHost, uniqueSearchTerm, uniqueUrl, urlTokens } from './uniqueValues.js';

/** 'ph' and four random characters: a shorter prefix of a typed token could turn up by chance. */
const TYPED_MIN_PREFIX = 6;

/** The seam to harness/drive: how a browser on a phone is opened and driven. */
export interface BrowserDriver {
  /** How waitForTelemetry() waits (default 'evidence'). */
  readonly waits?: WaitPolicy;
  /** Gets ready for the phone's first openBrowser() in the background (starts its Appium server). */
  prepare?(phone: RiggedPhone): void;
  /** Ends the phone's browser sessions: called before the phone is put back (a session kept open would outlive its device). */
  release?(phone: RiggedPhone): Promise<void>;
  open(phone: RiggedPhone, browser: string, mode: BrowserMode, options: OpenBrowserOptions): Promise<DrivenBrowser>;
  /**
   * Confirms the certificate installer's dialog on the phone through Appium (provisioning without
   * root on Android 10 and older started it); absent, a person confirms it.
   */
  confirmCertInstaller?(phone: RiggedPhone, request: { name: string }): Promise<void>;
  /** The phone's system layer through its Appium session (drive/systemUi.ts). */
  systemUi?(phone: RiggedPhone): Promise<SystemUiDriver>;
}

export interface DrivenBrowser {
  readonly version: string | undefined;
  /** The WebdriverIO session driving it. */
  readonly driver: WebdriverBrowser;
  /** `tokens`: values in the URL that identify this visit (visit-token canaries). */
  visit(url: string, tokens: string[]): Promise<Visit>;
  search(term: string): Promise<Visit>;
  /** Types `address` letter by letter, then Enter. */
  visitTyped(address: string, tokens: string[], keystrokeMinLength: number): Promise<Visit>;
  /** The start page's news feed shown (its items' titles are the canaries). */
  newsFeed(): Promise<Visit>;
  /** The page on screen shared from the menu. */
  share(): Promise<Visit>;
  /** A file's URL typed and its download accepted. */
  download(url: string, tokens: string[]): Promise<Visit>;
  close(): Promise<void>;
}

export interface RiggedPhoneOptions {
  entry: DeviceEntry;
  adb: AdbClient;
  folder: RunFolder;
  journal: JournalWriter;
  /** Folder of devices.json (launch.cwd is relative to it). */
  baseDir: string;
  /** Candidate packages per browser profile (override first), to find which is installed and its version. */
  packages: Record<string, string[]>;
  log: (line: string) => void;
  /** Called with a launched phone's PID as soon as it runs (the run's process ledger). */
  onLaunch?: (pid: number) => void;
  /** Added to a launched phone's environment (the run's marker). */
  launchEnv?: Readonly<Record<string, string>>;
  /**
   * Opens browsers on the phone (scenario/browserDriver over harness/drive). Absent when the user's
   * own WebdriverIO session drives them (the wdio service): openBrowser() then says so.
   */
  driver?: BrowserDriver;
  /** Browser profiles the run includes (`--browser`); default: every profile in `packages`. */
  browsers?: string[];
  /**
   * The name suites see: the phone's own (default), or its pool's in a farm, so a test has the same
   * title whichever phone of the pool runs it (shards and retries rely on that).
   */
  shownAs?: string;
  /** Told of every visit a suite makes on this phone (the run journals each test's visits). */
  onVisit?: (visit: Visit) => void;
}

const IDENTIFIER_KIND: Record<IdentifierName, CanaryKind> = {
  imei: 'imei', phoneNumber: 'phone-number', androidId: 'android-id', serial: 'serial',
  wifiMac: 'wifi-mac', model: 'model', release: 'android-release', imsi: 'imsi', carrier: 'carrier-name',
};

/**
 * The phone a suite drives: the one implementation of the suite API's ScenarioPhone. "Rigged" is
 * what start() does: the phone started and connected over adb (device/DeviceSession), its own
 * capture sidecar recording into the run folder, the phone provisioned to use it (proxy + CA),
 * identifiers and app versions read and journalled. Browsers open through the run's BrowserDriver;
 * waitForTelemetry() analyses the capture so visits and identifiers carry verdicts. stop() puts the
 * phone back, whatever state start() reached.
 *
 * `name` is what suites see (its pool's name in a farm); `entry.name` is the phone's own.
 */
export class RiggedPhone implements ScenarioPhone {
  readonly entry: DeviceEntry;
  readonly session: DeviceSession;
  readonly captureDir: string;
  readonly name: string;
  #sidecar: CaptureSidecar | undefined;
  #identifiers: Identifiers | undefined;
  #record: PhoneRecord | undefined;
  #planted: Canary[] = [];
  /** When the phone started using the capture (identifiers are looked for from then on). */
  #capturingSince = 0;
  /** Probes the phone's route to the capture while rigged (only when that route is an adb reverse). */
  #prober: RouteProber | undefined;
  #probeMarkers: MarkerWriter | undefined;
  #analysis: PhoneAnalysis | undefined;
  #browsers: string[];
  /** Set only while the run plans its work: the browsers one unit of work covers. */
  #planningOnly: readonly string[] | undefined;
  /** End of the latest visit: its verdict window must be over (and heartbeat-covered) before judging. */
  #lastVisitEnd = 0;
  /** Visits made since the last waitForTelemetry(): an evidence wait ends early only when all are leaked. */
  #unjudged: string[] = [];

  constructor(private readonly options: RiggedPhoneOptions) {
    this.entry = options.entry;
    this.name = options.shownAs ?? options.entry.name;
    this.#browsers = options.browsers ?? Object.keys(options.packages);
    this.captureDir = options.folder.captureDir(options.entry.name);
    // A launched phone logs into the run folder, not into the run: it must not die with the run's pipes.
    const launchLog = path.join(options.folder.dir, 'phones', `${path.basename(this.captureDir)}.log`);
    this.session = new DeviceSession({ entry: options.entry, adb: options.adb, baseDir: options.baseDir, log: options.log, launchLog, ...(options.onLaunch ? { onLaunch: options.onLaunch } : {}), ...(options.launchEnv ? { launchEnv: options.launchEnv } : {}) });
  }

  get record(): PhoneRecord {
    if (!this.#record) throw new PhonehomeError(`phone ${this.entry.name} used before it was rigged`);
    return this.#record;
  }

  get model(): string | undefined {
    return this.record.model;
  }

  get flowsRecorded(): number {
    return this.#sidecar?.flowsRecorded ?? 0;
  }

  get sidecar(): CaptureSidecar {
    if (!this.#sidecar) throw new PhonehomeError(`phone ${this.entry.name}: capture not started`);
    return this.#sidecar;
  }

  /** Rigs the phone: start and connect, capture, provision, read and journal what it is. */
  async start(): Promise<void> {
    const { folder, journal, log } = this.options;
    const own = this.entry.name;
    // The capture comes up before provisioning, so the phone never points at a proxy that is not
    // there; it needs nothing from the phone, so it starts while the phone starts and connects.
    this.#sidecar = new CaptureSidecar({ out: this.captureDir, host: '127.0.0.1', port: 0, upstream: 'sink' });
    this.#sidecar.on('error', (error) => log(`warning: ${own}: capture: ${error.message}`));
    const capture = this.#sidecar.start();
    try {
      await this.session.start();
    } catch (error) {
      await capture.catch(() => undefined); // settled, so stop() finds it started or not, never half-way
      throw error;
    }
    await capture;
    this.#capturingSince = Date.now();
    // devices.json `apps` are installed and checked against the profile's packages and versions.
    const resolveApp = (browser: string) => {
      const profile = BROWSER_PROFILES.find((p) => p.name === browser);
      return profile && { packages: this.options.packages[browser] ?? profile.packages, expectedVersions: profile.writtenFor };
    };
    // A phone without root on Android 10 and older: the certificate installer, through its Appium.
    const driver = this.options.driver;
    const confirmUserCa = driver?.confirmCertInstaller ? (request: { name: string }) => driver.confirmCertInstaller!(this, request) : undefined;
    await this.session.provision({ proxyPort: this.#sidecar.port, caCertPem: this.#sidecar.ca.certPem, resolveApp, ...(confirmUserCa ? { confirmUserCa } : {}) });
    this.#capturingSince = Date.now();
    this.#startRouteProbes(this.#sidecar.port);
    // Identifiers, properties and app versions are independent reads: at once (adb runs the shells side by side).
    const packages = Object.values(this.options.packages).flat();
    const [identifiers, props, installed] = await Promise.all([this.session.identifiers(packages), this.session.properties(), this.session.appVersions(packages)]);
    this.#identifiers = identifiers;
    // The identifiers go into the capture folder too, so it can be judged on its own (`phonehome detect`).
    const markers = new MarkerWriter(this.captureDir);
    try {
      markers.write(deviceIdentifiersMarker(own, this.#identifiers));
    } finally {
      await markers.close();
    }
    const apps: AppRecord[] = [];
    for (const [browser, candidates] of Object.entries(this.options.packages)) {
      const app = candidates.map((pkg) => installed.find((a) => a.package === pkg)).find((a) => a !== undefined);
      // An APK provisioning installed: the run names the exact files (sha256) it tested.
      const fromApk = this.session.installedApps.find((i) => i.package === app?.package);
      const apks = fromApk?.files.map((f) => ({ file: path.basename(f.path), sha256: f.sha256 }));
      if (app) apps.push({ package: app.package, version: app.version, browser, ...(app.versionCode !== undefined ? { versionCode: app.versionCode } : {}), ...(apks ? { apks } : {}) });
    }
    this.#record = {
      name: own,
      serial: this.entry.serial,
      ...(props['ro.product.model'] ? { model: props['ro.product.model'] } : {}),
      ...(props['ro.product.manufacturer'] ? { manufacturer: props['ro.product.manufacturer'] } : {}),
      ...(props['ro.build.version.release'] ? { release: props['ro.build.version.release'] } : {}),
      identifiers: { ...this.#identifiers },
      apps,
      captureDir: folder.relativeCaptureDir(own),
    };
    journal.write({ type: 'phone', phone: this.#record });
  }

  /**
   * Route probes (capture/routeProbe.ts) travel adbd's `tcp:PORT` service to the phone's own
   * 127.0.0.1:PORT, the adb reverse listener its proxy setting names. adbd connects only to the
   * phone's loopback ("adbd does not support arbitrary tcp connections"), so a phone reaching the
   * capture over the LAN (devices.json proxyHost) has no probe: its windows are judged on its own
   * flows alone. The first probe is sent now, so the identifier window starts with a sample.
   */
  #startRouteProbes(port: number): void {
    if (this.entry.proxyHost !== undefined) return;
    this.#probeMarkers = new MarkerWriter(this.captureDir);
    const adb = this.session.adb;
    this.#prober = new RouteProber({ open: () => adb.openTcp(port, 5000), markers: this.#probeMarkers, route: `adb reverse tcp:${port} on ${this.entry.serial}` });
    void this.#prober.probe();
    this.#prober.start();
  }

  /** Puts the phone back (undo provisioning, stop the capture, disconnect); returns what could not be undone. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    // Probes end before the tunnel goes: a probe failing because the run undoes the route is no evidence.
    await this.#prober?.stop();
    this.#prober = undefined;
    await this.#probeMarkers?.close();
    this.#probeMarkers = undefined;
    const own = this.entry.name;
    // While the phone is still here: where did its traffic go? (the report places each address)
    if (this.#sidecar && !this.session.lost) await this.#recordHostAddresses().catch((error: Error) => this.options.log(`warning: ${own}: hosts not resolved on the phone: ${error.message}`));
    const undo = await this.session.stop().catch((error: Error) => ({ ok: false, problems: [error.message] }));
    problems.push(...undo.problems.map((p) => `${own}: ${p}`));
    await this.#sidecar?.stop().catch((error: Error) => problems.push(`${own}: capture did not stop cleanly: ${error.message}`));
    this.#sidecar = undefined;
    return problems;
  }

  /**
   * The capture answers as a sink, so no connection names a server: the phone's own resolver is
   * asked for each host its traffic went to, and the answers are kept as a note in the capture.
   */
  async #recordHostAddresses(): Promise<void> {
    const hosts = new Set<string>();
    for await (const flow of readFlows(this.captureDir)) if (!flow.upstreamIp) hosts.add(flow.host);
    if (hosts.size === 0) return;
    const addresses = await this.session.resolveHosts(hosts);
    const markers = new MarkerWriter(this.captureDir);
    try {
      markers.write(hostAddressesMarker(this.entry.name, addresses));
    } finally {
      await markers.close();
    }
  }

  async step(name: string, work: () => Promise<void>): Promise<ScenarioStep> {
    const mark = async (phase: 'begin' | 'end', time: number) => {
      const markers = new MarkerWriter(this.captureDir);
      try {
        markers.write({ time, kind: 'note', data: { note: STEP_NOTE, step: name, phase, device: this.entry.name } });
      } finally {
        await markers.close();
      }
    };
    const t0 = Date.now();
    await mark('begin', t0);
    try {
      await work();
    } finally {
      await mark('end', Date.now());
    }
    const t1 = Date.now();
    const hosts = new Map<string, number>();
    for await (const flow of readFlows(this.captureDir)) {
      if (flow.startedAt >= t0 && flow.startedAt <= t1) hosts.set(flow.host, (hosts.get(flow.host) ?? 0) + 1);
    }
    // Observed as an identifier's window is: heartbeats and route probes cover it, no blind spot in it.
    const analysis = await this.analyse();
    const seen = identifierVerdict({
      label: `step '${name}'`, value: name, findings: [], blindSpots: analysis.blindSpots.filter((b) => b.time <= t1),
      markers: analysis.markers, routeSamples: analysis.routeSamples, from: t0, to: Math.max(t0, Math.min(t1, analysis.window.to)),
    });
    return { name, t0, t1, hosts, observed: seen.verdict === 'not-leaked', reasons: seen.reasons };
  }

  /** A value the scenario planted (a contact's number): journalled, and a canary from now on. */
  plant(canary: Canary): void {
    this.#planted.push(canary);
    this.options.journal.write({ type: 'canary', device: this.entry.name, canary });
  }

  browsers(only?: readonly string[]): string[] {
    const scope = this.#planningOnly;
    return this.#browsers.filter((b) => this.appVersion(b) !== undefined && (!only || only.includes(b)) && (!scope || scope.includes(b)));
  }

  /**
   * Runs `declare` (synchronous: a suite declaring its tests) with browsers() narrowed to `only`,
   * so the run learns which tests belong to which browser's unit of work.
   */
  withBrowsersOnly<T>(only: readonly string[], declare: () => T): T {
    const saved = this.#planningOnly;
    this.#planningOnly = only;
    try {
      return declare();
    } finally {
      this.#planningOnly = saved;
    }
  }

  appVersion(browser: string): string | undefined {
    return this.#record?.apps.find((a) => a.browser === browser)?.version;
  }

  /** The installed package of a browser profile. */
  appPackage(browser: string): string | undefined {
    return this.#record?.apps.find((a) => a.browser === browser)?.package;
  }

  async openBrowser(browser: string, mode: BrowserMode, options: OpenBrowserOptions = {}): Promise<ScenarioBrowser> {
    const own = this.entry.name;
    if (this.appVersion(browser) === undefined) {
      throw new PhonehomeError(`${own}: browser '${browser}' is not installed (installed: ${this.browsers().join(', ') || 'none of the known browsers'})`);
    }
    if (!this.options.driver) throw new PhonehomeError(`${own}: openBrowser() needs phonehome's browser driver; here your own WebdriverIO session drives the browser (mark its visits with phonehome().visit())`);
    const driven = await this.options.driver.open(this, browser, mode, options);
    // drive's BrowserSession writes the visit markers and the visit's screenshot and logcat.
    const made = async (visit: Visit): Promise<ScenarioVisit> => {
      this.options.onVisit?.(visit);
      this.#lastVisitEnd = Math.max(this.#lastVisitEnd, visit.t1);
      this.#unjudged.push(visit.id);
      return new JudgedVisit(visit, this);
    };
    return {
      browser,
      mode,
      version: driven.version ?? this.appVersion(browser),
      get driver() {
        return driven.driver;
      },
      visit: async (url?: string) => {
        const target = url ?? uniqueUrl();
        return made(await driven.visit(target, urlTokens(target)));
      },
      search: async (term?: string) => made(await driven.search(term ?? uniqueSearchTerm())),
      type: async (address?: string, options: { keystrokeMinLength?: number } = {}) => {
        const target = address ?? uniqueHost();
        return made(await driven.visitTyped(target, urlTokens(target), options.keystrokeMinLength ?? TYPED_MIN_PREFIX));
      },
      newsFeed: async () => made(await driven.newsFeed()),
      share: async () => made(await driven.share()),
      download: async (url?: string) => {
        const target = url ?? uniqueFileUrl();
        return made(await driven.download(target, urlTokens(target)));
      },
      close: () => driven.close(),
    };
  }

  async addContact(contact: { name?: string; number?: string } = {}): Promise<ScenarioIdentifier> {
    const own = this.entry.name;
    // A UK drama number (07700 900xxx, Ofcom-reserved for fiction) with random digits: unique, never real.
    const number = contact.number ?? `+4477009${String(randomInt(0, 100000)).padStart(5, '0')}`;
    const name = contact.name ?? `Phonehome ${number.slice(-5)}`;
    const adb = this.session.adb;
    await this.session.call(async () => {
      // The contacts provider's own steps (as `adb shell content` does them on any Android):
      // a raw contact, then its phone and name rows.
      const run = async (command: string) => {
        const out = await adb.shell(command);
        if (/^Error|Exception/m.test(out)) throw new PhonehomeError(`${own}: adding a contact failed at '${command.split(' --bind')[0]}': ${out.trim().split('\n')[0]}`);
        return out;
      };
      await run('content insert --uri content://com.android.contacts/raw_contacts --bind account_type:n: --bind account_name:n:');
      const rows = await run('content query --uri content://com.android.contacts/raw_contacts --projection _id');
      const ids = [...rows.matchAll(/_id=(\d+)/g)].map((m) => Number(m[1]));
      if (ids.length === 0) throw new PhonehomeError(`${own}: adding a contact failed: the new raw contact is not listed (${rows.trim().split('\n')[0]})`);
      const id = Math.max(...ids);
      await run(`content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:${id} --bind mimetype:s:vnd.android.cursor.item/name --bind data1:s:${quoteShellArg(name)}`);
      await run(`content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:${id} --bind mimetype:s:vnd.android.cursor.item/phone_v2 --bind data1:s:${quoteShellArg(number)}`);
    });
    const canary: Canary = { kind: 'contact-number', value: number, device: own };
    this.plant(canary);
    return new JudgedIdentifier(canary.kind, number, `the new contact's number ${number} on ${own}`, this, Date.now());
  }

  async systemUi(): Promise<ScenarioSystemUi> {
    const own = this.entry.name;
    if (!this.options.driver?.systemUi) throw new PhonehomeError(`${own}: systemUi() needs phonehome's Appium driver; here your own WebdriverIO session drives the phone`);
    const ui = await this.options.driver.systemUi(this);
    const describe: Record<SystemUiShown['what'], string> = { 'home-screen': 'the home screen', folder: 'the folder', 'status-bar': 'the status bar shade', settings: 'the Settings page' };
    // What the screen showed becomes a canary, judged from just before the action that showed it.
    const shown = async (act: () => Promise<SystemUiShown>): Promise<ScenarioScreen> => {
      const since = Date.now();
      const { what, name } = await this.session.call(act);
      const canary: Canary = { kind: 'screen-name', value: name, device: own };
      this.plant(canary);
      const judged = new JudgedIdentifier(canary.kind, name, `${describe[what]} '${name}' on ${own}`, this, since);
      return Object.assign(judged, { what, name });
    };
    return {
      home: () => shown(() => ui.home()),
      swipeHomeScreen: (direction) => shown(() => ui.swipeHomeScreen(direction)),
      openFolder: (name) => shown(() => ui.openFolder(name)),
      pullDownStatusBar: (options) => shown(() => ui.pullDownStatusBar(options)),
      openSettings: () => shown(() => ui.openSettings()),
      back: () => this.session.call(() => ui.back()),
    };
  }

  /** The way this phone takes an SMS or a sign-in (device/phoneEvents): emulator console, sim control socket, or the operator. */
  #phoneEvents(): PhoneEvents {
    return phoneEvents(this.session.entry, this.session.adb, { adbBin: this.options.adb.bin, adbPort: this.options.adb.port, tell: (line) => this.options.log(line) });
  }

  async receiveSms(sms: { from?: string; text?: string } = {}): Promise<ScenarioIdentifier> {
    const own = this.entry.name;
    // The same fictional UK range as addContact(): unique, never a real sender.
    const suggested = sms.from ?? `+4477009${String(randomInt(0, 100000)).padStart(5, '0')}`;
    const text = sms.text ?? `phonehome test message ${randomInt(0, 1e9).toString(36)}`;
    const since = Date.now();
    const { from } = await this.session.call(() => this.#phoneEvents().receiveSms(suggested, text));
    const canary: Canary = { kind: 'sms-sender', value: from, device: own };
    this.plant(canary);
    return new JudgedIdentifier(canary.kind, from, `the number ${from} of the sender of an SMS received on ${own}`, this, since);
  }

  async signInMiAccount(): Promise<void> {
    await this.session.call(() => this.#phoneEvents().signInMiAccount());
  }

  async joinWifi(): Promise<void> {
    await this.session.call(() => joinWifi(this.session.entry, this.session.adb));
  }

  identifier(name: IdentifierName): ScenarioIdentifier {
    const reading = this.record.identifiers[name];
    const value = reading && 'value' in reading ? reading.value : undefined;
    const kind = IDENTIFIER_KIND[name];
    if (!kind) throw new PhonehomeError(`unknown identifier '${name}' (one of ${Object.keys(IDENTIFIER_KIND).join(', ')})`);
    const unavailable = reading && 'unavailable' in reading ? reading.unavailable : 'not read';
    return new JudgedIdentifier(kind, value, `${name}${value ? ` ${value}` : ` (unavailable: ${unavailable})`} of ${this.entry.name}`, this, 0);
  }

  async sendToBackground(): Promise<void> {
    await this.session.call(() => this.session.adb.shell('input keyevent 3'));
  }

  async waitForTelemetry(options: WaitForTelemetryOptions = {}): Promise<void> {
    // The window of the last visit closes VERDICT_GRACE_MS after it; a heartbeat (every HEARTBEAT_MS)
    // after that proves the capture was up to the end of it. That is the bound of every wait.
    const windowProven = this.#lastVisitEnd > 0 ? this.#lastVisitEnd + VERDICT_GRACE_MS + HEARTBEAT_MS + 250 : 0;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const waitingFor = this.#unjudged;
    this.#unjudged = [];
    // Subjects of this phone the suite names; anything else can never settle the wait early.
    const named = options.untilLeaked ?? [];
    const subjects = named.filter((s): s is JudgedVisit | JudgedIdentifier => (s instanceof JudgedVisit || s instanceof JudgedIdentifier) && s.phone === this);
    if ((this.options.driver?.waits ?? 'evidence') === 'fixed' || (waitingFor.length === 0 && named.length === 0) || subjects.length < named.length) {
      await this.#waitForQuiet(options.quietMs ?? FIXED_QUIET_MS, timeoutMs, windowProven);
    } else {
      let early: PhoneAnalysis | undefined;
      const end = await waitForEvidence({
        flows: () => this.flowsRecorded,
        quietMs: options.quietMs ?? EVIDENCE_QUIET_MS,
        notBefore: windowProven,
        deadline: Date.now() + timeoutMs,
        settled: async () => {
          early = await this.analyse();
          return waitingFor.every((id) => early!.verdicts.get(id)?.verdict === 'leaked') && subjects.every((s) => s.judgeWith(early!).verdict === 'leaked');
        },
      });
      if (end === 'settled' && early) {
        if (this.session.lost) throw this.session.lost;
        this.#analysis = early;
        return;
      }
    }
    if (this.session.lost) throw this.session.lost;
    this.#analysis = await this.analyse();
  }

  /** The latest analysis, when it covers `since` (ms). */
  analysisSince(since: number): PhoneAnalysis | undefined {
    return this.#analysis && this.#analysis.at >= since ? this.#analysis : undefined;
  }

  /**
   * Analyses everything captured so far. A route probe goes first, so the route is proven (or not)
   * up to the moment the analysis reads: the windows that just closed get their last sample.
   */
  async analyse(): Promise<PhoneAnalysis> {
    const probe = this.#prober ? await this.#prober.probe() : undefined;
    const at = Date.now();
    const analysis = await analysePhoneCapture(this.captureDir, this.#planted);
    // The last heartbeat may be up to HEARTBEAT_MS old: judge up to then, not up to `at`.
    const to = Math.min(probe?.ok ? probe.time : at, at - 2 * HEARTBEAT_MS);
    return { ...analysis, at, window: { from: this.#capturingSince, to: Math.max(to, this.#capturingSince) } };
  }

  /** Waits until no new flow arrived for quietMs and `notBefore` has passed (or timeoutMs passed). */
  async #waitForQuiet(quietMs: number, timeoutMs: number, notBefore = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = this.flowsRecorded;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(100, quietMs)));
      const now = this.flowsRecorded;
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs && Date.now() >= notBefore) return;
    }
  }
}
