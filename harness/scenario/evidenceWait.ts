import { PhonehomeError } from '../errors.js';

/**
 * How long `phone.waitForTelemetry()` waits. `evidence` (the default) ends as soon as the evidence
 * is in: every visit made since the last wait already judged `leaked` (a leak seen is final, whatever
 * comes later) and the phone's traffic quiet for a short interval. A visit not yet leaked keeps the
 * wait going to the old bound, because `not-leaked` needs its whole window (t1 + grace) covered by
 * heartbeats: a shorter wait never makes an unobserved visit clean. `fixed` always waits to that bound
 * (the behaviour before evidence waits; kept to compare verdicts and for the bench).
 */
export type WaitPolicy = 'evidence' | 'fixed';

export const DEFAULT_WAIT_POLICY: WaitPolicy = 'evidence';

/** Quiet interval (no new flow) that ends an evidence wait; the fixed wait keeps its 1 s. */
export const EVIDENCE_QUIET_MS = 300;
export const FIXED_QUIET_MS = 1000;

/** `PHONEHOME_WAITS=fixed|evidence` (for the bench and comparisons); anything else is a one-line error. */
export function waitPolicyFrom(value: string | undefined, where = 'PHONEHOME_WAITS'): WaitPolicy {
  if (value === undefined || value === '') return DEFAULT_WAIT_POLICY;
  if (value === 'evidence' || value === 'fixed') return value;
  throw new PhonehomeError(`${where}='${value}': must be 'evidence' or 'fixed'`);
}

export interface EvidenceWaitInput {
  /** Flows the phone's capture has recorded so far (grows as traffic arrives). */
  flows: () => number;
  /** Analyses the capture; true when every visit waited for is already `leaked`. */
  settled: () => Promise<boolean>;
  quietMs: number;
  /** The old bound: the last visit's window proven (t1 + grace + a heartbeat); ms since the epoch. */
  notBefore: number;
  /** Absolute upper bound whatever happens (the caller's timeoutMs); ms since the epoch. */
  deadline: number;
  /** Poll step (ms). */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type EvidenceWaitEnd = 'settled' | 'window-proven' | 'deadline';

/**
 * Waits until the traffic is quiet for quietMs and either the evidence settled (asked only when new
 * flows came since it was last asked, so the detector runs once per burst) or `notBefore` passed.
 * Returns why it ended; the caller analyses afterwards for the verdicts.
 */
export async function waitForEvidence(input: EvidenceWaitInput): Promise<EvidenceWaitEnd> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = input.pollMs ?? Math.min(50, input.quietMs);
  let last = input.flows();
  let quietSince = now();
  let askedAt: number | undefined;
  while (now() < input.deadline) {
    await sleep(pollMs);
    const flows = input.flows();
    if (flows !== last) {
      last = flows;
      quietSince = now();
      continue;
    }
    if (now() - quietSince < input.quietMs) continue;
    if (now() >= input.notBefore) return 'window-proven';
    if (askedAt !== flows) {
      askedAt = flows;
      if (await input.settled()) return 'settled';
    }
  }
  return 'deadline';
}
