/** Route probes as the capture records them (capture/routeProbe.ts), for detector tests. */
import type { Flow, Marker } from '../../harness/capture/types.js';
import { ROUTE_PROBE_HEADER, ROUTE_PROBE_HOST, ROUTE_PROBE_INTERVAL_MS } from '../../harness/capture/index.js';
import { makeFlow } from './flowFixtures.js';

/** Probe times every ROUTE_PROBE_INTERVAL_MS from `from` through `to`, skipping those in `skip`. */
export function probeTimes(from: number, to: number, skip?: [number, number]): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += ROUTE_PROBE_INTERVAL_MS) if (!skip || t < skip[0] || t > skip[1]) out.push(t);
  return out;
}

/** The flows answered route probes leave in flows.jsonl. */
export function probeFlows(from: number, to: number, skip?: [number, number]): Flow[] {
  return probeTimes(from, to, skip).map((t, i) => {
    const token = (0x10000000 + i).toString(16);
    const flow = makeFlow({ host: ROUTE_PROBE_HOST, path: `/probe/${token}`, startedAt: t, status: 204, responseHeaders: [[ROUTE_PROBE_HEADER, token]] });
    return { ...flow, scheme: 'http', port: 80 };
  });
}

/** A failed probe's marker, as RouteProber writes it. */
export function failedProbe(time: number, error: string): Marker {
  return { time, kind: 'route-probe', data: { token: 'deadbeefdeadbeef', ok: false, ms: 12, route: 'adb reverse tcp:40000', error, timedOut: false } };
}
