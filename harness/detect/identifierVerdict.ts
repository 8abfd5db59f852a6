/**
 * The verdict on a device identifier (IMEI, ANDROID_ID, a planted contact's number …) over the
 * window it could have been sent in: from when the phone started using the capture until the
 * analysis. `leaked` when a flow carried it; `not-leaked` only with the same evidence a visit needs
 * (verdicts.ts): the capture up (heartbeats), the phone's route to the capture alive over the whole
 * window (routeLiveness.ts: flows and route probes, no failed probe, no silence), and no blind spot
 * in it. Else `unobservable`, with every reason. An identifier that could not be read is
 * unobservable: nothing could be looked for.
 */
import type { BlindSpot, Marker } from '../capture/types.js';
import { captureCoverage, MAX_HEARTBEAT_GAP_MS } from './captureHealth.js';
import { MAX_ROUTE_GAP_MS, routeCoverage, routeFailures } from './routeLiveness.js';
import type { Finding } from './types.js';

export interface IdentifierVerdictInput {
  /** How reasons name it, e.g. `imei 867530912345678 of phone-1`. */
  label: string;
  /** undefined when it could not be read. */
  value: string | undefined;
  /** Findings of this identifier (already selected by kind and value, or as context). */
  findings: readonly Finding[];
  blindSpots: readonly BlindSpot[];
  markers: readonly Marker[];
  /** Times (ms) of every flow recorded from the phone (CaptureAnalysis.routeSamples). */
  routeSamples: readonly number[];
  /** The window: from when the phone used the capture (or the identifier was planted) … */
  from: number;
  /** … until the latest evidence the analysis can vouch for (e.g. the last route probe before it). */
  to: number;
  maxHeartbeatGapMs?: number;
  maxRouteGapMs?: number;
}

export type IdentifierVerdict = { verdict: 'leaked' | 'not-leaked'; reasons: [] } | { verdict: 'unobservable'; reasons: string[] };

function describe(spot: BlindSpot): string {
  return `${spot.reason}${spot.host ? ` (${spot.host})` : ''}${spot.detail ? `: ${spot.detail}` : ''}`;
}

export function identifierVerdict(input: IdentifierVerdictInput): IdentifierVerdict {
  if (input.findings.length > 0) return { verdict: 'leaked', reasons: [] };
  if (input.value === undefined) return { verdict: 'unobservable', reasons: [`${input.label} could not be read, so it could not be looked for`] };
  const reasons = input.blindSpots.filter((b) => b.time >= input.from).map(describe);
  const capture = captureCoverage(input.markers, input.from, input.to, input.maxHeartbeatGapMs ?? MAX_HEARTBEAT_GAP_MS);
  if (!capture.covered) reasons.push(capture.reason);
  const route = routeCoverage(input.routeSamples, routeFailures(input.markers), input.from, input.to, input.maxRouteGapMs ?? MAX_ROUTE_GAP_MS);
  if (!route.covered) reasons.push(`${route.reason}, so ${input.label} may have been sent unseen`);
  return reasons.length > 0 ? { verdict: 'unobservable', reasons: [...new Set(reasons)] } : { verdict: 'not-leaked', reasons: [] };
}
