/**
 * Visits x flows -> findings and verdicts, for a capture in memory or a capture folder. This is what
 * `phonehome detect`, the scenario assertions and the report share.
 */
import { readBlindSpots, readFlows, readMarkers } from '../capture/index.js';
import { DEFAULT_MAX_BODY_BYTES, readBodyPrefix } from './bodyPrefix.js';
import type { BlindSpot, Flow, Marker } from '../capture/types.js';
import { identifiersFromMarkers, visitsFromMarkers } from './canarySources.js';
import type { DecodeBounds } from './flowLayers.js';
import { LeakFinder, type BodyReader } from './leakFinder.js';
import type { Canary, Finding, Undecodable, Verdict, Visit } from './types.js';
import { PreflightWatch } from './unfollowedPreflights.js';
import { computeVerdicts, errorPageBlindSpots, undecodableBlindSpots } from './verdicts.js';

export interface AnalysisOptions {
  /** Further visits (e.g. from a visits file), besides those in the markers. */
  visits?: Visit[];
  /** Further canaries (identifiers, custom values). */
  canaries?: Canary[];
  graceMs?: number;
  bounds?: Partial<DecodeBounds>;
  firstPartyDomains?: string[];
  /** Threads scanning flows (default 1); see LeakFinderOptions.workers. */
  workers?: number;
  /** Bytes of one body read and searched (default 64 MB); the rest of a larger body is reported unseen. */
  maxBodyBytes?: number;
}

export interface CaptureInput extends AnalysisOptions {
  flows: AsyncIterable<Flow> | Iterable<Flow>;
  blindSpots: readonly BlindSpot[];
  markers: readonly Marker[];
  readBody?: BodyReader;
}

export interface CaptureAnalysis {
  visits: Visit[];
  canaries: readonly Canary[];
  findings: Finding[];
  undecodable: Undecodable[];
  /** The capture's blind spots plus the detector's undecodable flows. */
  blindSpots: BlindSpot[];
  verdicts: Verdict[];
  /** Start times (ms) of every flow read: when something from the phone reached the capture (routeLiveness.ts). */
  routeSamples: number[];
  flows: number;
  bytes: number;
}

export async function analyseCapture(input: CaptureInput): Promise<CaptureAnalysis> {
  const visits = input.visits ?? [];
  const finder = new LeakFinder({ visits, canaries: input.canaries, readBody: input.readBody, graceMs: input.graceMs, bounds: input.bounds, firstPartyDomains: input.firstPartyDomains, workers: input.workers });
  const preflights = new PreflightWatch();
  // Every flow arrived from the phone through the capture's listener: each is a route-liveness sample.
  const routeSamples: number[] = [];
  await finder.addAll(watched(input.flows, (flow) => {
    routeSamples.push(flow.startedAt);
    preflights.observe(flow);
  }));
  const report = finder.result();
  const blindSpots = [...input.blindSpots, ...preflights.blindSpots()];
  const verdicts = computeVerdicts({ visits, findings: report.findings, blindSpots, markers: input.markers, routeSamples, undecodable: report.undecodable, graceMs: finder.graceMs });
  return {
    visits,
    canaries: finder.canaries,
    findings: report.findings,
    undecodable: report.undecodable,
    blindSpots: [...blindSpots, ...errorPageBlindSpots(visits), ...undecodableBlindSpots(report.undecodable)],
    verdicts,
    routeSamples,
    flows: report.flows,
    bytes: report.bytes,
  };
}

/** The flows as given, each shown to `see` on its way to the finder. */
async function* watched(flows: AsyncIterable<Flow> | Iterable<Flow>, see: (flow: Flow) => void): AsyncIterable<Flow> {
  for await (const flow of flows) {
    see(flow);
    yield flow;
  }
}

/**
 * Analyses a capture folder: visits from its visit-start markers and identifiers from its
 * device-identifiers notes, plus whatever `options` adds.
 */
export async function analyseCaptureFolder(dir: string, options: AnalysisOptions = {}): Promise<CaptureAnalysis> {
  const markers = await readMarkers(dir);
  const blindSpots = await readBlindSpots(dir);
  const fromMarkers = visitsFromMarkers(markers, `${dir}/markers.jsonl`);
  const extra = options.visits ?? [];
  const ids = new Set(extra.map((v) => v.id));
  const visits = [...fromMarkers.filter((v) => !ids.has(v.id)), ...extra];
  const canaries = [...identifiersFromMarkers(markers, `${dir}/markers.jsonl`), ...(options.canaries ?? [])];
  return analyseCapture({ ...options, visits, canaries, flows: readFlows(dir), blindSpots, markers, readBody: (ref) => readBodyPrefix(dir, ref, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) });
}
