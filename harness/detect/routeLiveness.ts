/**
 * Was the phone's route to the capture alive over a time window? Heartbeats (captureHealth.ts) only
 * prove the capture process was up; this judges what travelled the phone's route. A sample is any
 * flow the capture recorded (every flow arrived through its listener from the phone) — route
 * probes (capture/routeProbe.ts) among them, sent every ROUTE_PROBE_INTERVAL_MS so a quiet phone
 * still gives samples. A failed probe (route-probe marker, ok false) is proof the route was down
 * at that moment. Covered means: no failed probe inside the window, samples no more than maxGapMs
 * apart from the window's start through its end, and one at or after its end.
 */
import { ROUTE_PROBE_INTERVAL_MS, type Marker } from '../capture/index.js';
import type { Coverage } from './captureHealth.js';

/** Two probe intervals and a half: one probe lost or late under load is tolerated, two are not. */
export const MAX_ROUTE_GAP_MS = Math.round(2.5 * ROUTE_PROBE_INTERVAL_MS);

export interface RouteFailure {
  time: number;
  error: string;
}

/** Failed probes from a capture's markers. */
export function routeFailures(markers: readonly Marker[]): RouteFailure[] {
  return markers
    .filter((m) => m.kind === 'route-probe' && m.data?.['ok'] === false && m.data?.['timedOut'] !== true)
    .map((m) => ({ time: m.time, error: String(m.data?.['error'] ?? 'failed') }));
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Route coverage of [from, to]. `samples`: times (ms) of flows recorded from the phone, any order.
 * The reasons say, in words a person understands, when the route was silent or failed.
 */
export function routeCoverage(samples: readonly number[], failures: readonly RouteFailure[], from: number, to: number, maxGapMs = MAX_ROUTE_GAP_MS): Coverage {
  const failed = failures.filter((f) => f.time >= from && f.time <= to);
  if (failed.length > 0) {
    const first = failed[0]!;
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed probe${failed.length > 2 ? 's' : ''} up to ${iso(failed[failed.length - 1]!.time)})` : '';
    return { covered: false, reason: `the phone's route to the capture failed at ${iso(first.time)}: a probe the phone sent through its proxy route did not arrive (${first.error})${more}` };
  }
  const sorted = [...samples].sort((a, b) => a - b);
  // From the last sample before the window (when it is recent enough to vouch for its start) or the
  // window's start, every gap up to the first sample at or after its end must be at most maxGapMs.
  let cursor = from;
  let index = 0;
  while (index < sorted.length && sorted[index]! <= from) {
    if (from - sorted[index]! <= maxGapMs) cursor = sorted[index]!;
    index++;
  }
  for (; index < sorted.length; index++) {
    const t = sorted[index]!;
    if (t - cursor > maxGapMs) {
      return { covered: false, reason: `the phone's route to the capture was silent from ${iso(cursor)} to ${iso(t)} (nothing from the phone reached the capture for ${seconds(t - cursor)}, route probes included)` };
    }
    cursor = t;
    if (t >= to) return { covered: true };
  }
  return {
    covered: false,
    reason:
      cursor === from
        ? `the phone's route to the capture was silent from ${iso(from)} to ${iso(to)}: nothing from the phone reached the capture in that time, route probes included`
        : `the phone's route to the capture was silent from ${iso(cursor)} to ${iso(to)}: nothing from the phone reached the capture after ${iso(cursor)}, route probes included`,
  };
}
