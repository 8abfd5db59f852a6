import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureSidecar, readFlows, type UpstreamMode } from '../../harness/capture/index.js';
import { analyseCaptureFolder, newVisitCanaries } from '../../harness/detect/index.js';
import type { CaptureAnalysis, Visit } from '../../harness/detect/index.js';
import type { Flow } from '../../harness/capture/types.js';
import { CHROMIUM } from '../report/headlessChromium.js';

/** A tracker script as sites embed it: JSON with an Authorization header, so CORS needs a preflight. */
function trackerPage(collectUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>article</title></head><body><h1>article</h1><script>
fetch(${JSON.stringify(collectUrl)}, { method: 'POST', credentials: 'include', mode: 'cors',
  headers: { 'content-type': 'application/json', authorization: 'Bearer 5f1e0c' },
  body: JSON.stringify({ event: 'page_view', page: location.href }) })
  .then((r) => { document.title = 'sent ' + r.status; }, (e) => { document.title = 'blocked ' + e; });
</script></body></html>`;
}

function listen(host: string, handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

function chromium(proxyPort: number, url: string, profile: string, mode: UpstreamMode): Promise<string> {
  // Live mode sends loopback through the proxy too (<-loopback>); sink mode fetches the local page
  // direct, as Chromium does by default, and only the tracker goes to the capture.
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    `--proxy-server=http://127.0.0.1:${proxyPort}`, ...(mode === 'live' ? ['--proxy-bypass-list=<-loopback>;*.google.com;*.googleapis.com;*.gvt1.com'] : []), '--ignore-certificate-errors',
    '--virtual-time-budget=3000', '--dump-dom', url,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 40_000 }, (error, stdout) => (error ? reject(new Error(`chromium failed on ${url}: ${error.message}`)) : resolve(stdout)));
  });
}

async function visitWith(mode: UpstreamMode, pageOrigin: string, collectUrl: string, tmp: string): Promise<{ analysis: CaptureAnalysis; flows: Flow[]; visit: Visit; dom: string }> {
  const sidecar = new CaptureSidecar({ out: path.join(tmp, `cap-${mode}`), port: 0, home: path.join(tmp, 'home'), upstream: mode, heartbeatMs: 100 });
  await sidecar.start();
  try {
    const fresh = newVisitCanaries('v1', `${pageOrigin}/article`);
    const t0 = Date.now();
    const dom = await chromium(sidecar.port, fresh.url, path.join(tmp, `profile-${mode}`), mode);
    const visit: Visit = { id: 'v1', device: 'chromium', browser: 'chromium', mode: 'normal', url: fresh.url, canaries: fresh.canaries, t0, t1: Date.now() };
    await new Promise((r) => setTimeout(r, 700)); // heartbeats past the grace period
    await sidecar.stop();
    const dir = path.join(tmp, `cap-${mode}`);
    const flows: Flow[] = [];
    for await (const f of readFlows(dir)) flows.push(f);
    return { analysis: await analyseCaptureFolder(dir, { visits: [visit], graceMs: 500 }), flows, visit, dom };
  } finally {
    await sidecar.stop();
  }
}

const header = (headers: Array<[string, string]>, name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];

describe('capture: CORS preflights against the sink (Debian Chromium enforcing CORS)', function () {
  this.timeout(120_000);
  let tmp: string;
  let origin: http.Server;
  let strictTracker: http.Server;
  let collectUrl = '';

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-cors-'));
    origin = await listen('127.0.0.1', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(trackerPage(collectUrl));
    });
    // A tracker endpoint that does not allow cross-origin requests: its preflight answer has no
    // Access-Control-Allow-Origin, so the browser never sends the POST.
    strictTracker = await listen('127.0.0.2', (req, res) => {
      req.resume();
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200).end();
    });
  });
  after(async () => {
    await new Promise((r) => origin.close(r));
    await new Promise((r) => strictTracker.close(r));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('sink mode: the preflight is answered as a permissive tracker does, and the JSON payload it guarded is captured', async () => {
    collectUrl = 'https://collect.tracker.test/v1/event';
    const { analysis, flows, visit, dom } = await visitWith('sink', `http://127.0.0.1:${portOf(origin)}`, collectUrl, tmp);
    const pageOrigin = `http://127.0.0.1:${portOf(origin)}`;
    const preflight = flows.find((f) => f.method === 'OPTIONS' && f.host === 'collect.tracker.test');
    expect(preflight, flows.map((f) => `${f.method} ${f.host}${f.path}`).join('\n')).to.not.equal(undefined);
    const answer = preflight!.response!.headers;
    expect(header(answer, 'access-control-allow-origin')).to.equal(pageOrigin);
    expect(header(answer, 'access-control-allow-credentials')).to.equal('true');
    expect(header(answer, 'access-control-allow-methods')).to.equal('POST');
    expect(header(answer, 'access-control-allow-headers')?.split(',').map((h) => h.trim()).sort()).to.deep.equal(['authorization', 'content-type']);
    expect(header(answer, 'vary')).to.match(/\bOrigin\b/);
    const post = flows.find((f) => f.method === 'POST' && f.host === 'collect.tracker.test');
    expect(post, 'the POST the preflight guarded was never sent').to.not.equal(undefined);
    expect(header(post!.request.headers, 'authorization')).to.equal('Bearer 5f1e0c');
    expect(dom).to.match(/<title>sent 204<\/title>/);
    const token = visit.canaries.find((c) => c.kind === 'visit-token')!.value;
    const leak = analysis.findings.find((f) => f.canary.value === token && f.host === 'collect.tracker.test');
    expect(leak?.party).to.equal('third-party');
    expect(leak?.chain.join(' › ')).to.match(/^body › json\.page/);
    expect(analysis.verdicts[0]!.verdict).to.equal('leaked');
    expect(analysis.blindSpots.filter((b) => b.reason === 'preflight-unfollowed')).to.deep.equal([]);
  });

  it('a preflight its request never followed (the endpoint refused it) is a blind spot on that host: the visit is unobservable, not clean', async () => {
    collectUrl = `http://127.0.0.2:${portOf(strictTracker)}/v1/event`;
    const { analysis, flows, dom } = await visitWith('live', `http://127.0.0.1:${portOf(origin)}`, collectUrl, tmp);
    expect(flows.some((f) => f.method === 'OPTIONS' && f.host === '127.0.0.2'), flows.map((f) => `${f.method} ${f.host}${f.path}`).join('\n')).to.equal(true);
    expect(flows.filter((f) => f.method === 'POST' && f.host === '127.0.0.2')).to.deep.equal([]);
    expect(dom).to.match(/<title>blocked /);
    const spots = analysis.blindSpots.filter((b) => b.reason === 'preflight-unfollowed');
    expect(spots.map((b) => b.host)).to.deep.equal(['127.0.0.2']);
    expect(spots[0]!.detail).to.match(/CORS preflight for POST \/v1\/event with headers authorization,content-type \(answered 204\) was not followed by its request/);
    const verdict = analysis.verdicts[0]!;
    expect(verdict.verdict).to.equal('unobservable');
    expect(verdict.verdict === 'unobservable' && verdict.reasons.join('\n')).to.match(/^preflight-unfollowed for 127\.0\.0\.2 /m);
  });
});
