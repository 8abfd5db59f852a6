/**
 * Was the capture up for a whole time window? The sidecar writes capture-start, a heartbeat every
 * HEARTBEAT_MS, and capture-stop; between two of them less than 3 heartbeats apart (and no stop in
 * between) it was up. Anything else in the window is a gap: traffic there may have gone unseen.
 */
import { HEARTBEAT_MS, type Marker } from '../capture/types.js';

export const MAX_HEARTBEAT_GAP_MS = 3 * HEARTBEAT_MS;

export type Coverage = { covered: true } | { covered: false; reason: string };

function iso(t: number): string {
  return new Date(t).toISOString();
}

/** Intervals during which the capture was known up, merged and in time order. */
export function captureUpIntervals(markers: readonly Marker[], maxGapMs = MAX_HEARTBEAT_GAP_MS): Array<[number, number]> {
  const samples = markers
    .filter((m) => m.kind === 'capture-start' || m.kind === 'capture-heartbeat' || m.kind === 'capture-stop')
    .slice()
    .sort((a, b) => a.time - b.time);
  const up: Array<[number, number]> = [];
  for (let i = 0; i + 1 < samples.length; i++) {
    const p = samples[i]!;
    const q = samples[i + 1]!;
    if (p.kind === 'capture-stop' || q.kind === 'capture-start') continue;
    if (q.time - p.time > maxGapMs) continue;
    const last = up[up.length - 1];
    if (last && p.time <= last[1]) last[1] = Math.max(last[1], q.time);
    else up.push([p.time, q.time]);
  }
  return up;
}

export function captureCoverage(markers: readonly Marker[], from: number, to: number, maxGapMs = MAX_HEARTBEAT_GAP_MS): Coverage {
  const up = captureUpIntervals(markers, maxGapMs);
  if (up.length === 0) {
    const any = markers.some((m) => m.kind.startsWith('capture-'));
    return { covered: false, reason: any ? 'capture health unknown: fewer than two capture markers (no heartbeats)' : 'capture health unknown: no capture-start / heartbeat markers' };
  }
  const interval = up.find(([a, b]) => a <= from && from <= b);
  if (!interval) {
    const before = up.filter(([, b]) => b < from).pop();
    const after = up.find(([a]) => a > from);
    if (!before && after) return { covered: false, reason: `capture not running when the window opened at ${iso(from)} (it started at ${iso(after[0])})` };
    if (before) return { covered: false, reason: `capture down at ${iso(from)} (last heartbeat ${iso(before[1])})` };
    return { covered: false, reason: `capture not running at ${iso(from)}` };
  }
  if (interval[1] >= to) return { covered: true };
  const next = up.find(([a]) => a > interval[1]);
  if (next && next[0] <= to) {
    return { covered: false, reason: `capture gap from ${iso(interval[1])} to ${iso(next[0])} (no heartbeat for ${((next[0] - interval[1]) / 1000).toFixed(1)} s)` };
  }
  return { covered: false, reason: `capture not seen up after ${iso(interval[1])}, before the window closed at ${iso(to)}` };
}
