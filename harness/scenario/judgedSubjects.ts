import { identifierVerdict, type CanaryKind, type Visit } from '../detect/index.js';
import type { PhoneCaptureAnalysis } from '../report/index.js';
import type { ScenarioIdentifier, ScenarioVisit } from './api.js';
import type { Judgement } from './judgement.js';

/** A phone's latest analysis, with the visits it covered. */
export interface PhoneAnalysis extends PhoneCaptureAnalysis {
  /** When the analysis started reading (ms): it covers everything captured before. */
  at: number;
  /**
   * The window identifiers are judged over: from when the phone was pointed at the capture until
   * the evidence this analysis can vouch for (the route probe sent just before it, else `at` less
   * two heartbeats).
   */
  window: { from: number; to: number };
}

/** Where a subject's verdict comes from: the phone's latest analysis, if it covers `since` (ms). */
export interface AnalysisSource {
  analysisSince(since: number): PhoneAnalysis | undefined;
}

/** A visit a suite made, judged from its phone's latest analysis. */
export class JudgedVisit implements ScenarioVisit {
  constructor(readonly record: Visit, readonly phone: AnalysisSource) {}

  describe(): string {
    const v = this.record;
    const what = v.searchTerms?.length ? `search '${v.searchTerms.join(' / ')}'` : v.url;
    return `visit ${v.id} (${v.device}, ${v.browser}${v.version ? ` ${v.version}` : ''}, ${v.mode}, ${what})`;
  }

  judgement(): Judgement | undefined {
    const analysis = this.phone.analysisSince(this.record.t1);
    return analysis && this.judgeWith(analysis);
  }

  /** The judgement an analysis (covering the visit's end) gives. */
  judgeWith(analysis: PhoneAnalysis): Judgement {
    const verdict = analysis.verdicts.get(this.record.id);
    const findings = analysis.findings.filter((f) => f.canary.visitId === this.record.id);
    if (!verdict) return { verdict: 'unobservable', reasons: ['the detector returned no verdict for this visit'], findings };
    return { verdict: verdict.verdict, reasons: verdict.verdict === 'unobservable' ? verdict.reasons : [], findings };
  }
}

const LOW_ENTROPY = new Set<CanaryKind>(['model', 'android-release', 'carrier-name']);

/** A phone's identifier (or a value planted on it), judged from its phone's latest analysis. */
export class JudgedIdentifier implements ScenarioIdentifier {
  constructor(
    readonly kind: CanaryKind,
    readonly value: string | undefined,
    private readonly label: string,
    readonly phone: AnalysisSource,
    private readonly since: number,
  ) {}

  describe(): string {
    return this.label;
  }

  /**
   * detect/identifierVerdict: leaked when a flow carried it; not-leaked only with the capture up
   * (heartbeats), the phone's route to it alive (flows and route probes) and no blind spot, from
   * the phone's provisioning (or the value's planting) to the analysis; else unobservable.
   */
  judgement(): Judgement | undefined {
    const analysis = this.phone.analysisSince(this.since);
    return analysis && this.judgeWith(analysis);
  }

  /** The judgement an analysis (made after the identifier was read or planted) gives. */
  judgeWith(analysis: PhoneAnalysis): Judgement {
    const value = this.value;
    // Low-entropy identifiers (model, Android release) are never findings of their own: the detector
    // lists them as context of the findings they travelled with.
    const findings = value === undefined ? [] : LOW_ENTROPY.has(this.kind)
      ? analysis.findings.filter((f) => f.context?.some((c) => c === value || c.endsWith(`: ${value}`)))
      : analysis.findings.filter((f) => f.canary.visitId === undefined && f.canary.kind === this.kind && f.canary.value === value);
    const from = Math.max(analysis.window.from, this.since);
    const verdict = identifierVerdict({
      label: this.label,
      value,
      findings,
      blindSpots: analysis.blindSpots,
      markers: analysis.markers,
      routeSamples: analysis.routeSamples,
      from,
      to: Math.max(analysis.window.to, from),
    });
    return { verdict: verdict.verdict, reasons: verdict.reasons, findings };
  }
}
