import { flowBytesWritten, HEARTBEAT_MS, MarkerWriter, readMarkers } from '../capture/index.js';
import { VERDICT_GRACE_MS, type BrowserMode, type Canary, type Finding, type Visit } from '../detect/index.js';
import { newVisitId } from '../drive/index.js';
import { PhonehomeError } from '../errors.js';
import { analysePhoneCapture, JournalWriter, type PhoneCaptureAnalysis, type TestRecord } from '../report/index.js';
import { uniqueSearchTerm, uniqueUrl, urlTokens, type Judgeable, type Judgement, type WaitForTelemetryOptions } from '../scenario/index.js';
import type { WdioRunState } from './runState.js';

/** What a spec says about the visit it is about to make; browser and mode default from the session. */
export interface WdioVisitOptions {
  /** Browser profile name (mi, mint, mipro); default: the profile whose package the session's appPackage is. */
  browser?: string;
  /** default 'normal'. */
  mode?: BrowserMode;
  /** More canaries for this visit (tokens the page carries, a typed search term …). */
  canaries?: Canary[];
}

/** The session's capabilities, as far as phonehome reads them. */
export interface SessionInfo {
  capabilities: Record<string, unknown>;
}

/** One visit a spec made, judged by the detector once the spec (or the service) waited for telemetry. */
export class WdioVisit implements Judgeable {
  constructor(readonly record: Visit, private readonly phone: WdioPhone) {}

  describe(): string {
    const v = this.record;
    return `visit ${v.id} (${v.device}, ${v.browser}${v.version ? ` ${v.version}` : ''}, ${v.mode}, ${v.url})`;
  }

  judgement(): Judgement | undefined {
    const analysis = this.phone.analysisSince(this.record.t1);
    if (!analysis) return undefined;
    const verdict = analysis.verdicts.get(this.record.id);
    const findings: Finding[] = analysis.findings.filter((f) => f.canary.visitId === this.record.id);
    if (!verdict) return { verdict: 'unobservable', reasons: ['the detector returned no verdict for this visit'], findings };
    return { verdict: verdict.verdict, reasons: verdict.verdict === 'unobservable' ? verdict.reasons : [], findings };
  }
}

/**
 * The rigged phone as a wdio worker sees it: the user's own WebdriverIO session drives the
 * browser; phonehome marks the visits (id, canaries, t0/t1 in the capture's markers, as
 * harness/drive does for `phonehome run`), judges them from the capture, and journals each test.
 */
export class WdioPhone {
  readonly name: string;
  #markers: MarkerWriter;
  #journal: JournalWriter;
  #analysis: (PhoneCaptureAnalysis & { at: number }) | undefined;
  #lastVisitEnd = 0;
  #testVisits: WdioVisit[] = [];
  /** Every visit of this worker, by test (service.ts testKey), in order: the reporter prints them. */
  readonly visitsByTest = new Map<string, WdioVisit[]>();

  constructor(private readonly state: WdioRunState, private readonly session: SessionInfo) {
    this.name = state.phone.name;
    this.#markers = new MarkerWriter(state.phone.captureDir);
    this.#journal = new JournalWriter(state.journal);
  }

  uniqueUrl(site?: string): string {
    return uniqueUrl(site);
  }

  uniqueSearchTerm(prefix?: string): string {
    return uniqueSearchTerm(prefix);
  }

  /**
   * Marks a visit around `navigate` (the spec's own steps that load `url` in the browser): t0
   * before it, t1 after, the URL and its token as canaries.
   */
  async visit(url: string, navigate: () => Promise<unknown>, options: WdioVisitOptions = {}): Promise<WdioVisit> {
    try {
      new URL(url);
    } catch {
      throw new PhonehomeError(`phonehome.visit('${url}'): not an absolute URL (use phonehome.uniqueUrl())`);
    }
    const app = this.app(options.browser);
    const id = newVisitId();
    const t0 = Date.now();
    const base = { id, device: this.name, browser: app.browser, version: app.version, mode: options.mode ?? ('normal' as const) };
    this.#markers.write({ time: t0, kind: 'note', visitId: id, data: { note: 'visit begins', ...base, url } });
    await navigate();
    const t1 = Date.now();
    const canaries: Canary[] = [{ kind: 'visit-url', value: url }, ...urlTokens(url).map((value) => ({ kind: 'visit-token' as const, value })), ...(options.canaries ?? [])];
    const record: Visit = { ...base, url, canaries: canaries.map((c) => ({ ...c, visitId: id })), t0, t1 };
    this.#markers.write({ time: t0, kind: 'visit-start', visitId: id, data: { ...record } });
    this.#markers.write({ time: t1, kind: 'visit-end', visitId: id, data: { ...record } });
    this.#lastVisitEnd = Math.max(this.#lastVisitEnd, t1);
    const visit = new WdioVisit(record, this);
    this.#testVisits.push(visit);
    return visit;
  }

  /**
   * Waits until the last visit's verdict window is over and heartbeat-covered, and the phone's
   * traffic is quiet (no new flow for quietMs) or timeoutMs passed; then analyses the capture.
   * (Always the fixed wait: `untilLeaked` is not used here.)
   */
  async waitForTelemetry(options: WaitForTelemetryOptions = {}): Promise<void> {
    const quietMs = options.quietMs ?? 1000;
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    const notBefore = this.#lastVisitEnd > 0 ? this.#lastVisitEnd + VERDICT_GRACE_MS + HEARTBEAT_MS + 250 : 0;
    // Every flows file: a cluster sidecar's workers each write their own (flows.<n>.jsonl).
    const size = () => flowBytesWritten(this.state.phone.captureDir);
    let last = await size();
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(100, quietMs)));
      const now = await size();
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs && Date.now() >= notBefore) break;
    }
    // The launcher's rig probes the phone's route every 2 s: a probe after the window closed proves
    // the route up to its end (detect/routeLiveness.ts). Bounded by the same deadline.
    await this.#probeAfter(notBefore - 250 - HEARTBEAT_MS, deadline);
    const at = Date.now();
    this.#analysis = { ...(await analysePhoneCapture(this.state.phone.captureDir)), at };
  }

  async #probeAfter(time: number, deadline: number): Promise<void> {
    if (time <= 0) return;
    while (Date.now() < deadline) {
      const probes = (await readMarkers(this.state.phone.captureDir).catch(() => [])).filter((m) => m.kind === 'route-probe');
      if (probes.length === 0 || probes.some((m) => m.time >= time)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  analysisSince(since: number): PhoneCaptureAnalysis | undefined {
    return this.#analysis && this.#analysis.at >= since ? this.#analysis : undefined;
  }

  testStarted(): void {
    this.#testVisits = [];
  }

  /** Judges the test's visits (waiting for telemetry if the spec did not) and journals the test. */
  async testFinished(test: { key: string; title: string; fullTitle: string; durationMs: number; error?: Error; pending?: boolean }): Promise<WdioVisit[]> {
    const visits = this.#testVisits;
    this.#testVisits = [];
    if (visits.some((v) => v.judgement() === undefined)) await this.waitForTelemetry();
    const record: TestRecord = {
      suite: this.state.suite,
      title: test.title,
      fullTitle: test.fullTitle,
      state: test.pending ? 'pending' : test.error ? 'failed' : 'passed',
      durationMs: test.durationMs,
      ...(test.error ? { error: { message: test.error.message, ...(test.error.stack ? { stack: test.error.stack } : {}) } } : {}),
      visitIds: visits.map((v) => v.record.id),
      device: this.name,
    };
    this.#journal.write({ type: 'test', test: record });
    this.visitsByTest.set(test.key, [...(this.visitsByTest.get(test.key) ?? []), ...visits]);
    return visits;
  }

  async close(): Promise<void> {
    await this.#markers.close();
    this.#journal.close();
  }

  private app(browser: string | undefined): { browser: string; version: string | undefined } {
    const apps = this.state.phone.apps;
    if (browser !== undefined) {
      const app = apps.find((a) => a.browser === browser);
      if (!app) throw new PhonehomeError(`phonehome.visit: browser '${browser}' is not installed on ${this.name} (installed: ${apps.map((a) => a.browser).join(', ') || 'none of the known browsers'})`);
      return app;
    }
    const pkg = this.session.capabilities['appium:appPackage'] ?? this.session.capabilities['appPackage'];
    const app = apps.find((a) => a.package === pkg);
    if (!app) {
      throw new PhonehomeError(`phonehome.visit: the session's appPackage (${String(pkg)}) is none of the browsers on ${this.name} (${apps.map((a) => `${a.browser}: ${a.package}`).join(', ')}); pass { browser } to visit()`);
    }
    return app;
  }
}
