import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Flow, Marker } from '../../harness/capture/types.js';
import { ROUTE_PROBE_HOST, ROUTE_PROBE_INTERVAL_MS } from '../../harness/capture/index.js';
import type { BrowserMode, Visit } from '../../harness/detect/types.js';
import { createRunFolder, hostAddressesMarker, JournalWriter, writeReports, type RunFolder, type RunRecord } from '../../harness/report/index.js';

/** One visit of a recorded run, and whether the phone's telemetry carried it (and where). */
export interface KitVisit {
  browser: string;
  mode: BrowserMode;
  /** Host the telemetry went to; absent: no telemetry for this visit. */
  leakTo?: string;
}

export interface KitPhone {
  name: string;
  apps: Record<string, string>;
  visits: KitVisit[];
  /** Extra hosts the phone contacted, without any canary. */
  hosts?: string[];
  tlsRejected?: string[];
  /** What the phone's resolver answered after the run (a host-addresses note in its capture). */
  dns?: Record<string, string>;
  /** Addresses the capture connected to, by host (live mode: the flows carry upstreamIp). */
  upstreamIps?: Record<string, string>;
}

/**
 * Writes a run folder the way `phonehome run` leaves it (journal, capture folder with heartbeats,
 * visit markers, flows, blind spots), then the real report writers analyse it. Telemetry is the
 * Sensors Analytics format of the published evidence: form field data_list = base64(gzip(JSON)).
 */
export async function writeRun(root: string, phones: KitPhone[], status: 'passed' | 'failed' = 'passed'): Promise<{ folder: RunFolder; run: RunRecord }> {
  const folder = await createRunFolder(root);
  const journal = new JournalWriter(folder.journal);
  const t0 = Date.now() - 60_000;
  journal.write({ type: 'run-start', runId: folder.runId, startedAt: t0, argv: ['run', 'kit'] });
  journal.write({ type: 'suite', name: 'kit', file: 'scenarios/kit.ts' });
  for (const phone of phones) {
    const dir = folder.captureDir(phone.name);
    await mkdir(dir, { recursive: true });
    const markers: Marker[] = [{ time: t0, kind: 'capture-start', data: { port: 1 } }];
    const flows: Flow[] = [];
    let t = t0 + 500;
    const visitIds: string[] = [];
    for (const v of phone.visits) {
      const token = `ph${randomBytes(8).toString('hex')}`;
      const url = `https://news.example.org/story?phc=${token}`;
      const id = `v${randomBytes(6).toString('hex')}`;
      visitIds.push(id);
      const visit: Visit = { id, device: phone.name, browser: v.browser, version: phone.apps[v.browser], mode: v.mode, url, canaries: [{ kind: 'visit-token', value: token, visitId: id }], t0: t, t1: t + 1000 };
      markers.push({ time: t, kind: 'visit-start', visitId: id, data: { visit } });
      flows.push(flow(t + 100, 'news.example.org', `/story`, `phc=${token}`, ''));
      if (v.leakTo) {
        const events = JSON.stringify([{ event: 'page_load_event_start', properties: { url, $model: 'Redmi Note 8' } }]);
        const body = `crc=1&gzip=1&data_list=${encodeURIComponent(gzipSync(events).toString('base64'))}`;
        flows.push(flow(t + 400, v.leakTo, '/sa', 'project=global_browser_mini', body));
      }
      markers.push({ time: t + 1000, kind: 'visit-end', visitId: id, data: { visit } });
      t += 5000;
    }
    for (const host of phone.hosts ?? []) flows.push(flow(t - 200, host, '/ping', '', ''));
    for (let h = t0 + 1000; h <= t + 5000; h += 1000) markers.push({ time: h, kind: 'capture-heartbeat' });
    // Route probes through the phone's route every 2 s, as a rigged phone sends them (capture/routeProbe.ts).
    for (let h = t0; h <= t + 5000; h += ROUTE_PROBE_INTERVAL_MS) {
      const token = randomBytes(8).toString('hex');
      flows.push({ ...flow(h, ROUTE_PROBE_HOST, `/probe/${token}`, '', ''), scheme: 'http', port: 80 });
      markers.push({ time: h, kind: 'route-probe', data: { token, ok: true, ms: 5, route: 'adb reverse tcp:1' } });
    }
    markers.push({ time: t + 5001, kind: 'capture-stop' });
    if (phone.dns) markers.push(hostAddressesMarker(phone.name, new Map(Object.entries(phone.dns)), t + 5002));
    for (const f of flows) if (phone.upstreamIps?.[f.host]) f.upstreamIp = phone.upstreamIps[f.host];
    markers.sort((a, b) => a.time - b.time);
    // Before the first visit: a blind spot after a visit would (rightly) make that visit unobservable.
    const spots = (phone.tlsRejected ?? []).map((host, i) => ({ id: `b${i}`, time: t0 + 100, reason: 'tls-rejected', host }));
    await writeFile(path.join(dir, 'markers.jsonl'), markers.map((m) => JSON.stringify(m) + '\n').join(''));
    await writeFile(path.join(dir, 'flows.jsonl'), flows.sort((a, b) => a.startedAt - b.startedAt).map((f) => JSON.stringify(f) + '\n').join(''));
    await writeFile(path.join(dir, 'blindspots.jsonl'), spots.map((s) => JSON.stringify(s) + '\n').join(''));
    journal.write({
      type: 'phone',
      phone: {
        name: phone.name, serial: '127.0.0.1:5555', model: 'Redmi Note 8', manufacturer: 'Xiaomi', release: '10',
        identifiers: { androidId: { value: randomBytes(8).toString('hex') } },
        apps: Object.entries(phone.apps).map(([browser, version]) => ({ package: `com.example.${browser.replace(/-/g, '')}`, version, browser })),
        captureDir: folder.relativeCaptureDir(phone.name),
      },
    });
    journal.write({ type: 'test', test: { suite: 'kit', title: `${phone.name} browses`, fullTitle: `kit ${phone.name} browses`, state: 'passed', durationMs: 10, visitIds } });
  }
  journal.write({ type: 'run-end', endedAt: Date.now(), status });
  journal.close();
  return { folder, run: await writeReports(folder) };
}

function flow(at: number, host: string, p: string, query: string, body: string): Flow {
  const bytes = Buffer.from(body);
  return {
    id: `f${randomBytes(6).toString('hex')}`, startedAt: at, endedAt: at + 50, client: { address: '127.0.0.1', port: 40000 },
    method: body ? 'POST' : 'GET', scheme: 'https', host, port: 443, path: p, query, httpVersion: '1.1',
    request: { headers: [['host', host], ...(body ? ([['content-type', 'application/x-www-form-urlencoded']] as Array<[string, string]>) : [])], body: bytes.length ? { size: bytes.length, inline: bytes.toString('base64') } : { size: 0 } },
    response: { status: 200, statusMessage: 'OK', headers: [], body: { size: 0 } },
  };
}
