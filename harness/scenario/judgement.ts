import type { Finding, Verdict } from '../detect/index.js';

/**
 * What the assertions read: the detector's word on one visit or one identifier, as of the last
 * analysis of the phone's capture (`phone.waitForTelemetry()`).
 */
export interface Judgement {
  verdict: Verdict['verdict'];
  /** Why it is unobservable (TLS refused by the app, sidecar down, phone lost); empty otherwise. */
  reasons: string[];
  /** Every finding of this subject's canaries, including ones made while part of the window was blind. */
  findings: Finding[];
}

/** Anything the verdict assertions accept: a visit or an identifier of a phone. */
export interface Judgeable {
  /** How a failure message names it, e.g. `visit 3 (mint, incognito, https://…)`. */
  describe(): string;
  /** undefined until the phone's capture has been analysed after the subject was created. */
  judgement(): Judgement | undefined;
}

export function isJudgeable(value: unknown): value is Judgeable {
  return typeof value === 'object' && value !== null && typeof (value as Judgeable).judgement === 'function' && typeof (value as Judgeable).describe === 'function';
}
