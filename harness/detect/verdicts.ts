/**
 * One verdict per visit. `leaked` needs a third-party finding of one of the visit's canaries,
 * anywhere in the run (telemetry is batched and sent late): a leak seen is a leak, whatever else
 * went wrong. `not-leaked` needs proof the capture could have seen a leak:
 * - the visit's own page request captured in the window (traffic that travelled the phone's route:
 *   a heartbeat only proves the sidecar process is alive, not that the phone reaches it);
 * - the phone's route to the capture alive over the whole window, visit start to end plus the
 *   grace (routeLiveness.ts: flows and route probes from the phone, no failed probe, no silence);
 * - healthy capture (heartbeats) over the same window;
 * - no error page on screen for the visit (the browser could not load it through the capture);
 * - no blind spot or undecodable flow from the visit's start on (a later one may be the batch that
 *   carried it); a blind spot of another visit (error-page) counts only inside this one's window.
 * Else `unobservable`, with every reason.
 */
import type { BlindSpot, Marker } from '../capture/types.js';
import { captureCoverage, MAX_HEARTBEAT_GAP_MS } from './captureHealth.js';
import { MAX_ROUTE_GAP_MS, routeCoverage, routeFailures } from './routeLiveness.js';
import { VERDICT_GRACE_MS } from './verdictGrace.js';
import type { Finding, Undecodable, Verdict, Visit } from './types.js';

export interface VerdictInput {
  visits: readonly Visit[];
  findings: readonly Finding[];
  blindSpots: readonly BlindSpot[];
  markers: readonly Marker[];
  /**
   * Times (ms) of every flow the capture recorded from the phone, route probes included: the
   * samples of route liveness. Empty means nothing from the phone was seen.
   */
  routeSamples: readonly number[];
  /** Longest silence on the phone's route still counted as alive; default MAX_ROUTE_GAP_MS. */
  maxRouteGapMs?: number;
  /** Flows the detector could not decode (from LeakReport.undecodable). */
  undecodable?: readonly Undecodable[];
  /** Added to each visit's t1; default 10 s. */
  graceMs?: number;
  /** Longest heartbeat gap still counted as healthy; default 3 x HEARTBEAT_MS. */
  maxHeartbeatGapMs?: number;
}

/** Undecodable flows as BlindSpot records (reason 'undecodable'), e.g. to store beside the capture's own. */
export function undecodableBlindSpots(undecodable: readonly Undecodable[]): BlindSpot[] {
  return undecodable.map((u, i) => ({
    id: `undecodable-${i + 1}`,
    time: u.time,
    reason: 'undecodable',
    host: u.host,
    flowId: u.flowId,
    detail: `${u.chain.join(' › ')}: ${u.reason}`,
  }));
}

/** Error pages the browser showed, as blind spots of their visits (reason 'error-page'). */
export function errorPageBlindSpots(visits: readonly Visit[]): BlindSpot[] {
  return visits
    .filter((v) => v.errorPage)
    .map((v) => {
      let host: string | undefined;
      try {
        host = new URL(v.url).hostname || undefined;
      } catch {
        host = undefined;
      }
      return {
        id: `error-page-${v.id}`,
        time: v.errorPage!.time ?? v.t1,
        reason: 'error-page' as const,
        ...(host ? { host } : {}),
        visitId: v.id,
        detail: `the browser showed its network error page ${v.errorPage!.code} instead of the page ('${v.errorPage!.text}'): it could not load the page through the capture, so what it sent may not have reached it either`,
      };
    });
}

function describe(spot: BlindSpot): string {
  const where = spot.host ? ` for ${spot.host}` : '';
  const detail = spot.detail ? `: ${spot.detail}` : '';
  const flow = spot.flowId ? ` (flow ${spot.flowId})` : '';
  return `${spot.reason}${where}${flow} at ${new Date(spot.time).toISOString()}${detail}`;
}

/**
 * The visit's own page request (or another first-party flow carrying one of its canaries, e.g. a
 * redirect's target or a search's results page) was captured inside the window: the phone's traffic
 * reached the capture during the visit. LeakFinder marks a finding 'high' when its flow started in
 * [t0, t1 + grace].
 */
function pageReachedCapture(visit: Visit, findings: readonly Finding[]): boolean {
  return findings.some((f) => f.canary.visitId === visit.id && f.party === 'first-party' && f.confidence !== 'medium');
}

function pageNotSeenReason(visit: Visit, end: number): string {
  const what = visit.searchTerms?.length
    ? `the search '${visit.searchTerms.join(' / ')}'`
    : visit.event === 'news-feed'
      ? 'the news feed shown on the start page (its items come from no request the harness made)'
      : visit.event
        ? `the ${visit.event} of ${visit.url}`
        : `the visited page itself (${visit.url})`;
  return `${what} never reached the capture between ${new Date(visit.t0).toISOString()} and ${new Date(end).toISOString()}: no traffic of this visit from the phone was seen, so a leak would have gone unseen too`;
}

export function computeVerdicts(input: VerdictInput): Verdict[] {
  const grace = input.graceMs ?? VERDICT_GRACE_MS;
  const pageSpots = errorPageBlindSpots(input.visits);
  const known = new Set(input.blindSpots.map((s) => s.id));
  const spots = [...input.blindSpots, ...pageSpots.filter((s) => !known.has(s.id)), ...undecodableBlindSpots(input.undecodable ?? [])];
  const failures = routeFailures(input.markers);
  return input.visits.map((visit): Verdict => {
    const leaks = input.findings.filter((f) => f.canary.visitId === visit.id && f.party === 'third-party');
    if (leaks.length > 0) {
      return { visitId: visit.id, verdict: 'leaked', hosts: [...new Set(leaks.map((f) => f.host))].sort(), findings: leaks };
    }
    const end = visit.t1 + grace;
    const reasons: string[] = [];
    if (!pageReachedCapture(visit, input.findings)) reasons.push(pageNotSeenReason(visit, end));
    const coverage = captureCoverage(input.markers, visit.t0, end, input.maxHeartbeatGapMs ?? MAX_HEARTBEAT_GAP_MS);
    if (!coverage.covered) reasons.push(coverage.reason);
    const route = routeCoverage(input.routeSamples, failures, visit.t0, end, input.maxRouteGapMs ?? MAX_ROUTE_GAP_MS);
    if (!route.covered) reasons.push(route.reason);
    const own = spots.filter((s) => s.visitId === visit.id);
    for (const s of own) reasons.push(describe(s));
    const inWindow = spots.filter((s) => s.visitId !== visit.id && s.time >= visit.t0 && s.time <= end);
    for (const s of inWindow.slice(0, 20)) reasons.push(describe(s));
    if (inWindow.length > 20) reasons.push(`and ${inWindow.length - 20} more blind spots in the window`);
    // Telemetry is batched and sent late (matching is global over the run for the same reason), so
    // a blind spot after the window may be the very request that carried this visit.
    const later = spots.filter((s) => s.visitId === undefined && s.time > end);
    for (const s of later.slice(0, 5)) reasons.push(`after the visit, which could hide its batched telemetry: ${describe(s)}`);
    if (later.length > 5) reasons.push(`and ${later.length - 5} more blind spots after the visit`);
    return reasons.length > 0 ? { visitId: visit.id, verdict: 'unobservable', reasons } : { visitId: visit.id, verdict: 'not-leaked' };
  });
}
