import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readFlows, readMarkers, type Flow } from '../capture/index.js';
import type { Canary } from '../detect/index.js';
import { analysePhoneCapture } from './analyseCapture.js';
import { phoneSteps, type StepRecord } from './steps.js';
import { GEO_ATTRIBUTION, hostAddressesFromMarkers, IpGeo, phoneDestinations, type DestinationRecord, type HostTraffic, type IpGeoSources } from './geo/index.js';
import { readJournal } from './runJournal.js';
import { RUN_FILES, type RunFolder } from './runFolder.js';
import {
  RUN_SCHEMA_ID,
  type BlindSpotRecord,
  type CaptureSummary,
  type FindingRecord,
  type PhoneRecord,
  type RunRecord,
  type SuiteRecord,
  type VisitRecord,
} from './types.js';

/**
 * Rebuilds the run model from the run folder's raw material only: journal.jsonl, and each phone's
 * capture folder (flows, blind spots, markers with the visits). It never needs the run to have
 * finished: a run killed mid-suite yields status `incomplete` and every flow written before the kill.
 */
export async function buildRunRecord(folder: RunFolder, options: { geo?: Partial<IpGeoSources> } = {}): Promise<RunRecord> {
  const journal = await readJournal(folder.journal);
  const start = journal.find((e) => e.type === 'run-start');
  const end = journal.findLast((e) => e.type === 'run-end');
  const phones = new Map<string, PhoneRecord>();
  const suites = new Map<string, SuiteRecord>();
  const artifacts = new Map<string, { screenshot?: string; logcat?: string }>();
  const planted: Canary[] = [];
  const errors: string[] = [];
  for (const e of journal) {
    if (e.type === 'phone') phones.set(e.phone.name, e.phone);
    else if (e.type === 'suite') suites.set(e.name, suites.get(e.name) ?? { name: e.name, file: e.file, tests: [] });
    else if (e.type === 'test') {
      const suite = suites.get(e.test.suite) ?? { name: e.test.suite, file: '', tests: [] };
      suite.tests.push(e.test);
      suites.set(suite.name, suite);
    } else if (e.type === 'visit-artifacts') artifacts.set(e.visitId, { ...artifacts.get(e.visitId), ...definedOnly({ screenshot: e.screenshot, logcat: e.logcat }) });
    else if (e.type === 'canary') planted.push({ ...e.canary, device: e.device });
    else if (e.type === 'error') errors.push(e.message);
  }

  const visits: VisitRecord[] = [];
  const findings: FindingRecord[] = [];
  const blindSpots: BlindSpotRecord[] = [];
  const captures: CaptureSummary[] = [];
  const destinations: DestinationRecord[] = [];
  const steps: StepRecord[] = [];
  let geo: IpGeo | undefined;
  for (const { device, dir, relative } of await captureFolders(folder, phones)) {
    // A phone journalled before its capture started has no folder yet: nothing was captured.
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
    const analysis = await analysePhoneCapture(dir, planted.filter((c) => c.device === device));
    // What findings need of their flow; kept small so a large capture is never held in memory.
    const flowFacts = new Map<string, { method: string; endpoint: string; startedAt: number }>();
    const hosts = new Map<string, HostTraffic>();
    const flowTimes: Array<{ id: string; host: string; startedAt: number }> = [];
    let firstFlowAt: number | undefined;
    let lastFlowAt: number | undefined;
    for await (const flow of readFlows(dir)) {
      flowFacts.set(flow.id, { method: flow.method, endpoint: endpointOf(flow), startedAt: flow.startedAt });
      firstFlowAt ??= flow.startedAt;
      lastFlowAt = flow.endedAt;
      const traffic = hosts.get(flow.host) ?? { flows: 0, connected: new Set<string>() };
      traffic.flows++;
      if (flow.upstreamIp) traffic.connected.add(flow.upstreamIp);
      hosts.set(flow.host, traffic);
      flowTimes.push({ id: flow.id, host: flow.host, startedAt: flow.startedAt });
    }
    // The databases are opened once, and only for a run with traffic.
    if (hosts.size > 0) geo ??= await IpGeo.open(options.geo);
    const markers = await readMarkers(dir);
    const phoneDns = hostAddressesFromMarkers(markers);
    steps.push(...phoneSteps(device, markers, flowTimes, analysis.findings));
    const placed = await phoneDestinations(device, hosts, phoneDns, geo);
    destinations.push(...placed);
    const placeOf = new Map(placed.map((d) => [d.host, d.destination]));
    for (const visit of analysis.visits) {
      const verdict = analysis.verdicts.get(visit.id);
      const evidence = await visitEvidence(relative, dir, visit.id);
      visits.push({
        ...visit,
        device: visit.device || device,
        verdict: verdict?.verdict ?? 'unobservable',
        hosts: verdict?.verdict === 'leaked' ? verdict.hosts : [],
        reasons: verdict?.verdict === 'unobservable' ? verdict.reasons : verdict ? [] : ['the detector returned no verdict for this visit'],
        ...evidence,
        ...artifacts.get(visit.id),
      });
    }
    for (const f of analysis.findings) {
      const flow = flowFacts.get(f.flowId);
      findings.push({
        ...f,
        device,
        ...definedOnly({
          visitId: f.canary.visitId,
          time: f.time ?? flow?.startedAt,
          method: flow?.method,
          endpoint: flow?.endpoint,
          destination: placeOf.get(f.host),
        }),
      });
    }
    for (const b of analysis.blindSpots) blindSpots.push({ ...b, device });
    const probes = analysis.markers.filter((m) => m.kind === 'route-probe');
    const probesAnswered = probes.filter((m) => m.data?.['ok'] === true).length;
    captures.push({
      device,
      dir: relative,
      flows: flowFacts.size,
      blindSpots: analysis.blindSpots.length,
      ...definedOnly({ firstFlowAt, lastFlowAt }),
      ...(probes.length > 0 ? { routeProbes: { answered: probesAnswered, failed: probes.length - probesAnswered } } : {}),
    });
  }

  const suiteList = [...suites.values()];
  const failed = suiteList.some((s) => s.tests.some((t) => t.state === 'failed'));
  const status = end?.type === 'run-end' ? end.status : 'incomplete';
  return {
    schema: RUN_SCHEMA_ID,
    runId: start?.type === 'run-start' ? start.runId : folder.runId,
    startedAt: start?.type === 'run-start' ? start.startedAt : Math.min(...visits.map((v) => v.t0), Date.now()),
    ...definedOnly({ endedAt: end?.type === 'run-end' ? end.endedAt : undefined }),
    // A finished run's own word is final, except that a failed test always makes it 'failed'.
    status: status === 'passed' && failed ? 'failed' : status,
    argv: start?.type === 'run-start' ? start.argv : [],
    phones: [...phones.values()],
    suites: suiteList,
    visits,
    findings,
    blindSpots,
    captures,
    errors,
    destinations,
    steps,
    geo: { databases: geo?.sources ?? [], attribution: GEO_ATTRIBUTION, warnings: geo?.warnings ?? [] },
  };
}

/** Phones named in the journal, plus any capture folder on disk (a phone whose journal line was lost). */
async function captureFolders(folder: RunFolder, phones: Map<string, PhoneRecord>) {
  const out = new Map<string, { device: string; dir: string; relative: string }>();
  for (const phone of phones.values()) {
    out.set(phone.name, { device: phone.name, dir: path.join(folder.dir, phone.captureDir), relative: phone.captureDir });
  }
  const root = path.join(folder.dir, RUN_FILES.captures);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const relative = path.join(RUN_FILES.captures, entry.name);
    if ([...out.values()].some((c) => path.normalize(c.relative) === relative)) continue;
    out.set(entry.name, { device: entry.name, dir: path.join(root, entry.name), relative });
  }
  return [...out.values()];
}

/** drive saves <capture>/visits/<id>.png and <id>.logcat.txt after each visit, and <id>.apng (the screen recording) when recording. */
async function visitEvidence(relative: string, dir: string, visitId: string): Promise<{ screenshot?: string; logcat?: string; recording?: string }> {
  const out: { screenshot?: string; logcat?: string; recording?: string } = {};
  const safe = visitId.replace(/[^A-Za-z0-9._@+-]/g, '_');
  if ((await stat(path.join(dir, 'visits', `${safe}.png`)).catch(() => undefined))?.isFile()) out.screenshot = path.join(relative, 'visits', `${safe}.png`);
  if ((await stat(path.join(dir, 'visits', `${safe}.apng`)).catch(() => undefined))?.isFile()) out.recording = path.join(relative, 'visits', `${safe}.apng`);
  if ((await stat(path.join(dir, 'visits', `${safe}.logcat.txt`)).catch(() => undefined))?.isFile()) out.logcat = path.join(relative, 'visits', `${safe}.logcat.txt`);
  return out;
}

function endpointOf(flow: Flow): string {
  const defaultPort = flow.scheme === 'https' || flow.scheme === 'wss' ? 443 : 80;
  return `${flow.scheme}://${flow.host}${flow.port && flow.port !== defaultPort ? `:${flow.port}` : ''}${flow.path}`;
}

/** Drops undefined fields: run.json must match its schema, which has no `null`/undefined slots. */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
