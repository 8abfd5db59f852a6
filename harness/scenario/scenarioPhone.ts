import { randomInt } from 'node:crypto';
import type { BrowserMode, Canary, CanaryKind, Visit } from '../detect/index.js';
import type { IdentifierName } from '../device/index.js';
import { HEARTBEAT_MS } from '../capture/index.js';
import { PhonehomeError } from '../errors.js';
import { VERDICT_GRACE_MS } from '../detect/index.js';
import type { OpenBrowserOptions, ScenarioBrowser, ScenarioIdentifier, ScenarioPhone, ScenarioStep, ScenarioVisit, WebdriverBrowser } from './api.js';

/** 'ph' and four random characters: a shorter prefix of a typed token could turn up by chance. */
const TYPED_MIN_PREFIX = 6;
import { quoteShellArg } from './shellArg.js';
import { uniqueHost, urlTokens } from './uniqueValues.js';
import { readFlows, readMarkers, MarkerWriter } from '../capture/index.js';
import { captureCoverage } from '../detect/index.js';
import { STEP_NOTE } from '../report/index.js';
import type { Judgement } from './judgement.js';
import { EVIDENCE_QUIET_MS, FIXED_QUIET_MS, waitForEvidence, type WaitPolicy } from './evidenceWait.js';
import type { PhoneAnalysis, PhoneRig } from './phoneRig.js';

/** The seam to harness/drive: how a browser on a phone is opened and driven. */
export interface BrowserDriver {
  /** How waitForTelemetry() waits (default 'evidence'). */
  readonly waits?: WaitPolicy;
  /** Gets ready for the phone's first openBrowser() in the background (starts its Appium server). */
  prepare?(rig: PhoneRig): void;
  /** Ends the phone's browser sessions: called before the phone is put back (a session kept open would outlive its device). */
  release?(rig: PhoneRig): Promise<void>;
  open(rig: PhoneRig, browser: string, mode: BrowserMode, options: OpenBrowserOptions): Promise<DrivenBrowser>;
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
  close(): Promise<void>;
}

/** What the run tracks across phones: visits per test, unique values. */
export interface RunHooks {
  visitMade(visit: Visit): void;
  uniqueUrl(site?: string): string;
  uniqueSearchTerm(prefix?: string): string;
}


const IDENTIFIER_KIND: Record<IdentifierName, CanaryKind> = {
  imei: 'imei', phoneNumber: 'phone-number', androidId: 'android-id', serial: 'serial',
  wifiMac: 'wifi-mac', model: 'model', release: 'android-release', imsi: 'imsi',
};

/**
 * The ScenarioPhone a suite sees, over one rigged phone. `name` is what the suite sees: the phone's
 * own name, or its pool's in a farm (phones that may stand in for each other share test titles).
 */
export class RiggedPhone implements ScenarioPhone {
  #analysis: PhoneAnalysis | undefined;
  #browsers: string[];
  /** Set only while the run plans its work: the browsers one unit of work covers. */
  #planningOnly: readonly string[] | undefined;
  /** End of the latest visit: its verdict window must be over (and heartbeat-covered) before judging. */
  #lastVisitEnd = 0;
  readonly name: string;
  /** Visits made since the last waitForTelemetry(): an evidence wait ends early only when all are leaked. */
  #unjudged: string[] = [];

  constructor(readonly rig: PhoneRig, private readonly driver: BrowserDriver, private readonly hooks: RunHooks, browsers: string[], name: string = rig.name) {
    this.#browsers = browsers;
    this.name = name;
  }

  get model(): string | undefined { return this.rig.record.model; }

  browsers(only?: readonly string[]): string[] {
    const scope = this.#planningOnly;
    return this.#browsers.filter((b) => this.rig.appVersion(b) !== undefined && (!only || only.includes(b)) && (!scope || scope.includes(b)));
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
    return this.rig.appVersion(browser);
  }

  async openBrowser(browser: string, mode: BrowserMode, options: OpenBrowserOptions = {}): Promise<ScenarioBrowser> {
    if (this.rig.appVersion(browser) === undefined) {
      throw new PhonehomeError(`${this.rig.name}: browser '${browser}' is not installed (installed: ${this.browsers().join(', ') || 'none of the known browsers'})`);
    }
    const driven = await this.driver.open(this.rig, browser, mode, options);
    const phone = this;
    // drive's BrowserSession writes the visit markers and the visit's screenshot and logcat.
    const made = async (visit: Visit): Promise<ScenarioVisit> => {
      phone.hooks.visitMade(visit);
      phone.#lastVisitEnd = Math.max(phone.#lastVisitEnd, visit.t1);
      phone.#unjudged.push(visit.id);
      return new JudgedVisit(visit, phone);
    };
    return {
      browser,
      mode,
      version: driven.version ?? this.appVersion(browser),
      get driver() {
        return driven.driver;
      },
      visit: async (url?: string) => {
        const target = url ?? phone.hooks.uniqueUrl();
        return made(await driven.visit(target, urlTokens(target)));
      },
      search: async (term?: string) => made(await driven.search(term ?? phone.hooks.uniqueSearchTerm())),
      type: async (address?: string, options: { keystrokeMinLength?: number } = {}) => {
        const target = address ?? uniqueHost();
        return made(await driven.visitTyped(target, urlTokens(target), options.keystrokeMinLength ?? TYPED_MIN_PREFIX));
      },
      close: () => driven.close(),
    };
  }

  async addContact(contact: { name?: string; number?: string } = {}): Promise<ScenarioIdentifier> {
    // A UK drama number (07700 900xxx, Ofcom-reserved for fiction) with random digits: unique, never real.
    const number = contact.number ?? `+4477009${String(randomInt(0, 100000)).padStart(5, '0')}`;
    const name = contact.name ?? `Phonehome ${number.slice(-5)}`;
    const adb = this.rig.session.adb;
    await this.rig.session.call(async () => {
      // The contacts provider's own steps (as `adb shell content` does them on any Android):
      // a raw contact, then its phone and name rows.
      const run = async (command: string) => {
        const out = await adb.shell(command);
        if (/^Error|Exception/m.test(out)) throw new PhonehomeError(`${this.rig.name}: adding a contact failed at '${command.split(' --bind')[0]}': ${out.trim().split('\n')[0]}`);
        return out;
      };
      await run('content insert --uri content://com.android.contacts/raw_contacts --bind account_type:n: --bind account_name:n:');
      const rows = await run('content query --uri content://com.android.contacts/raw_contacts --projection _id');
      const ids = [...rows.matchAll(/_id=(\d+)/g)].map((m) => Number(m[1]));
      if (ids.length === 0) throw new PhonehomeError(`${this.rig.name}: adding a contact failed: the new raw contact is not listed (${rows.trim().split('\n')[0]})`);
      const id = Math.max(...ids);
      await run(`content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:${id} --bind mimetype:s:vnd.android.cursor.item/name --bind data1:s:${quoteShellArg(name)}`);
      await run(`content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:${id} --bind mimetype:s:vnd.android.cursor.item/phone_v2 --bind data1:s:${quoteShellArg(number)}`);
    });
    const canary: Canary = { kind: 'contact-number', value: number, device: this.rig.name };
    this.rig.plant(canary);
    return new JudgedIdentifier(canary.kind, number, `the new contact's number ${number} on ${this.rig.name}`, this, Date.now());
  }

  identifier(name: IdentifierName): ScenarioIdentifier {
    const reading = this.rig.record.identifiers[name];
    const value = reading && 'value' in reading ? reading.value : undefined;
    const kind = IDENTIFIER_KIND[name];
    if (!kind) throw new PhonehomeError(`unknown identifier '${name}' (one of ${Object.keys(IDENTIFIER_KIND).join(', ')})`);
    const unavailable = reading && 'unavailable' in reading ? reading.unavailable : 'not read';
    return new JudgedIdentifier(kind, value, `${name}${value ? ` ${value}` : ` (unavailable: ${unavailable})`} of ${this.rig.name}`, this, 0);
  }

  async sendToBackground(): Promise<void> {
    await this.rig.session.call(() => this.rig.session.adb.shell('input keyevent 3'));
  }

  async waitForTelemetry(options: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
    // The window of the last visit closes VERDICT_GRACE_MS after it; a heartbeat (every HEARTBEAT_MS)
    // after that proves the capture was up to the end of it. That is the bound of every wait.
    const windowProven = this.#lastVisitEnd > 0 ? this.#lastVisitEnd + VERDICT_GRACE_MS + HEARTBEAT_MS + 250 : 0;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const waitingFor = this.#unjudged;
    this.#unjudged = [];
    if ((this.driver.waits ?? 'evidence') === 'fixed' || waitingFor.length === 0) {
      await this.rig.waitForQuiet(options.quietMs ?? FIXED_QUIET_MS, timeoutMs, windowProven);
    } else {
      let early: PhoneAnalysis | undefined;
      const end = await waitForEvidence({
        flows: () => this.rig.flowsRecorded,
        quietMs: options.quietMs ?? EVIDENCE_QUIET_MS,
        notBefore: windowProven,
        deadline: Date.now() + timeoutMs,
        settled: async () => {
          early = await this.rig.analyse();
          return waitingFor.every((id) => early!.verdicts.get(id)?.verdict === 'leaked');
        },
      });
      if (end === 'settled' && early) {
        if (this.rig.session.lost) throw this.rig.session.lost;
        this.#analysis = early;
        return;
      }
    }
    if (this.rig.session.lost) throw this.rig.session.lost;
    this.#analysis = await this.rig.analyse();
  }

  async step(name: string, work: () => Promise<void>): Promise<ScenarioStep> {
    const mark = async (phase: 'begin' | 'end', time: number) => {
      const markers = new MarkerWriter(this.rig.captureDir);
      try {
        markers.write({ time, kind: 'note', data: { note: STEP_NOTE, step: name, phase, device: this.rig.name } });
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
    for await (const flow of readFlows(this.rig.captureDir)) {
      if (flow.startedAt >= t0 && flow.startedAt <= t1) hosts.set(flow.host, (hosts.get(flow.host) ?? 0) + 1);
    }
    // The step is observed when heartbeats cover it and no blind spot fell inside it.
    const analysis = await this.rig.analyse();
    const coverage = captureCoverage(await readMarkers(this.rig.captureDir), t0, Math.min(t1, analysis.at - 2 * HEARTBEAT_MS));
    const reasons = analysis.blindSpots.filter((b) => b.time >= t0 && b.time <= t1).map((b) => `${b.reason}${b.host ? ` (${b.host})` : ''}`);
    if (!coverage.covered) reasons.push(coverage.reason);
    return { name, t0, t1, hosts, observed: reasons.length === 0, reasons: [...new Set(reasons)] };
  }

  /** The latest analysis, when it covers `since` (ms). */
  analysisSince(since: number): PhoneAnalysis | undefined {
    return this.#analysis && this.#analysis.at >= since ? this.#analysis : undefined;
  }
}

class JudgedVisit implements ScenarioVisit {
  constructor(readonly record: Visit, private readonly phone: RiggedPhone) {}

  describe(): string {
    const v = this.record;
    const what = v.searchTerms?.length ? `search '${v.searchTerms.join(' / ')}'` : v.url;
    return `visit ${v.id} (${v.device}, ${v.browser}${v.version ? ` ${v.version}` : ''}, ${v.mode}, ${what})`;
  }

  judgement(): Judgement | undefined {
    const analysis = this.phone.analysisSince(this.record.t1);
    if (!analysis) return undefined;
    const verdict = analysis.verdicts.get(this.record.id);
    const findings = analysis.findings.filter((f) => f.canary.visitId === this.record.id);
    if (!verdict) return { verdict: 'unobservable', reasons: ['the detector returned no verdict for this visit'], findings };
    return { verdict: verdict.verdict, reasons: verdict.verdict === 'unobservable' ? verdict.reasons : [], findings };
  }
}

const LOW_ENTROPY = new Set<CanaryKind>(['model', 'android-release']);

class JudgedIdentifier implements ScenarioIdentifier {
  constructor(
    readonly kind: CanaryKind,
    readonly value: string | undefined,
    private readonly label: string,
    private readonly phone: RiggedPhone,
    private readonly since: number,
  ) {}

  describe(): string {
    return this.label;
  }

  /**
   * leaked when a flow carried it; otherwise not-leaked only if the capture was up (heartbeats) and
   * never blind since the phone was provisioned, else unobservable with the reasons. An identifier that could not be
   * read is unobservable: nothing could be looked for.
   */
  judgement(): Judgement | undefined {
    const analysis = this.phone.analysisSince(this.since);
    if (!analysis) return undefined;
    if (this.value === undefined) return { verdict: 'unobservable', reasons: [`${this.label} could not be read, so it could not be looked for`], findings: [] };
    const value = this.value;
    // Low-entropy identifiers (model, Android release) are never findings of their own: the detector
    // lists them as context of the findings they travelled with.
    const findings = LOW_ENTROPY.has(this.kind)
      ? analysis.findings.filter((f) => f.context?.some((c) => c === value || c.endsWith(`: ${value}`)))
      : analysis.findings.filter((f) => f.canary.visitId === undefined && f.canary.kind === this.kind && f.canary.value === value);
    if (findings.length > 0) return { verdict: 'leaked', reasons: [], findings };
    const reasons = analysis.blindSpots.map((b) => `${b.reason}${b.host ? ` (${b.host})` : ''}${b.detail ? `: ${b.detail}` : ''}`);
    if (!analysis.coverage.covered) reasons.push(analysis.coverage.reason);
    return reasons.length > 0 ? { verdict: 'unobservable', reasons: [...new Set(reasons)], findings } : { verdict: 'not-leaked', reasons: [], findings };
  }
}
