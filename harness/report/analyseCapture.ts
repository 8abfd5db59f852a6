import { readMarkers, type BlindSpot, type Marker } from '../capture/index.js';
import { analyseCaptureFolder, VERDICT_GRACE_MS, type Canary, type Finding, type Verdict, type Visit } from '../detect/index.js';

/** detect/'s analysis of one phone's capture folder, with verdicts by visit id. */
export interface PhoneCaptureAnalysis {
  visits: Visit[];
  /** Visit findings (canary.visitId set) and identifier findings. */
  findings: Finding[];
  /** The capture's blind spots plus the detector's undecodable flows. */
  blindSpots: BlindSpot[];
  verdicts: Map<string, Verdict>;
  flows: number;
  /** The capture's markers as read for this analysis (heartbeats, route probes, visits). */
  markers: Marker[];
  /** Start times of every flow from the phone: route-liveness samples (detect/routeLiveness.ts). */
  routeSamples: number[];
}

/**
 * Judges a phone's capture folder: visits from its visit markers, device identifiers from its
 * device-identifiers note, plus `planted` canaries (a new contact's number). The scenario
 * assertions and the report both read verdicts through this, so they never disagree.
 */
export async function analysePhoneCapture(dir: string, planted: Canary[] = []): Promise<PhoneCaptureAnalysis> {
  const markers = await readMarkers(dir);
  const visits = finishedVisits(markers);
  const analysis = await analyseCaptureFolder(dir, { visits, canaries: planted, graceMs: VERDICT_GRACE_MS });
  return {
    visits: analysis.visits,
    findings: analysis.findings,
    blindSpots: analysis.blindSpots,
    verdicts: new Map(analysis.verdicts.map((v) => [v.visitId, v])),
    flows: analysis.flows,
    markers,
    routeSamples: analysis.routeSamples,
  };
}

/**
 * drive writes a visit twice: `visit-start` with what was known then (a search has no URL yet) and
 * `visit-end` with the finished record (final URL, t1). The finished one decides the first party
 * (a search's results page), so it replaces the start; a visit killed before its end keeps its start.
 */
function finishedVisits(markers: Marker[]): Visit[] {
  const ends = new Map<string, Visit>();
  for (const m of markers) {
    if (m.kind !== 'visit-end' || !m.visitId || typeof m.data !== 'object' || m.data === null) continue;
    const data = (m.data.visit ?? m.data) as Partial<Visit>;
    if (typeof data.url === 'string' && Array.isArray(data.canaries) && typeof data.t0 === 'number') {
      ends.set(m.visitId, { ...(data as Visit), id: m.visitId, t1: typeof data.t1 === 'number' ? data.t1 : m.time });
    }
  }
  return [...ends.values()];
}
