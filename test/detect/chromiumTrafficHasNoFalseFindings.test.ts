import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureSidecar, MarkerWriter, RouteProber, type UpstreamMode } from '../../harness/capture/index.js';
import { analyseCaptureFolder, makeSearchTerm, makeVisitToken, newVisitCanaries } from '../../harness/detect/index.js';
import type { Canary, CaptureAnalysis, Visit } from '../../harness/detect/index.js';

const CHROMIUM = '/usr/bin/chromium';

/** Local pages that make a browser send what real sites make it send: subresources, cookies, XHR, beacons, a redirect. */
const APP_JS = `
document.cookie = 'session=' + Math.random().toString(36).slice(2) + '; path=/';
fetch('/api/collect', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ href: location.href, b64: btoa(location.href), ts: Date.now(), screen: [screen.width, screen.height] }) });
navigator.sendBeacon('/beacon', new URLSearchParams({ u: location.href, t: String(performance.now()) }));
const x = new XMLHttpRequest(); x.open('GET', '/api/feed?page=2&lang=' + navigator.language); x.send();
`;

function page(title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/style.css"></head>
<body><h1>${title}</h1><img src="/img/logo.svg"><a href="/article?id=2">next</a>
<form action="/search"><input name="q"></form><script src="/app.js"></script></body></html>`;
}

function startOrigin(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    if (url.pathname === '/go') {
      res.writeHead(302, { location: `/article${url.search}` }).end();
    } else if (url.pathname === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
    else if (url.pathname === '/style.css') res.writeHead(200, { 'content-type': 'text/css' }).end('h1{color:#345}');
    else if (url.pathname === '/img/logo.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    else if (url.pathname.startsWith('/api/') || url.pathname === '/beacon') res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'site=1; Path=/' }).end(page(url.pathname));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function chromium(proxyPort: number, url: string, profile: string, mode: UpstreamMode): Promise<void> {
  // In live mode the sidecar would look up Chromium's own Google endpoints on the Internet: send
  // those direct instead, where the resolver rule fails them on this machine.
  const offline = mode === 'live' ? ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] : [];
  const bypass = mode === 'live' ? '<-loopback>;*.google.com;*.googleapis.com;*.gvt1.com' : '<-loopback>';
  const args = [
    ...offline,
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`, `--proxy-bypass-list=${bypass}`, '--ignore-certificate-errors',
    '--virtual-time-budget=3000', '--dump-dom', url,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 30_000 }, (error) => (error ? reject(new Error(`chromium failed on ${url}: ${error.message}`)) : resolve()));
  });
}

/** Never sent anywhere: 200 tokens, 50 search terms, and a phone's identifiers. */
function unsentCanaries(): Canary[] {
  const out: Canary[] = [];
  for (let i = 0; i < 200; i++) out.push({ kind: 'custom', value: makeVisitToken() });
  for (let i = 0; i < 50; i++) out.push({ kind: 'search-term', value: makeSearchTerm() });
  out.push(
    { kind: 'imei', value: '867530912345671' },
    { kind: 'android-id', value: 'a3f9c20e5b7d4e18' },
    { kind: 'wifi-mac', value: '4c:49:e3:12:ab:cd' },
    { kind: 'phone-number', value: '+8613800138000' },
    { kind: 'serial', value: 'f8e7d6c5b4' },
  );
  return out;
}

async function browse(mode: UpstreamMode, urls: (origin: string) => Array<{ id: string; url: string; searchTerms?: string[] }>): Promise<{ analysis: CaptureAnalysis; unsent: Canary[]; visits: Visit[] }> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-detect-'));
  const origin = await startOrigin();
  const sidecar = new CaptureSidecar({ out: path.join(tmp, 'cap'), port: 0, home: path.join(tmp, 'home'), upstream: mode, heartbeatMs: 100 });
  try {
    await sidecar.start();
    const probeMarkers = new MarkerWriter(sidecar.out);
    const prober = new RouteProber({ open: async () => connect(sidecar.port, '127.0.0.1'), markers: probeMarkers, route: 'loopback to the sidecar' });
    await prober.probe();
    prober.start();
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const visits: Visit[] = [];
    for (const v of urls(base)) {
      const fresh = newVisitCanaries(v.id, v.url, { searchTerms: v.searchTerms });
      const t0 = Date.now();
      await chromium(sidecar.port, fresh.url, path.join(tmp, `profile-${v.id}`), mode);
      visits.push({ id: v.id, device: 'chromium', browser: 'chromium', mode: 'normal', url: fresh.url, canaries: fresh.canaries, t0, t1: Date.now(), searchTerms: v.searchTerms });
    }
    await new Promise((r) => setTimeout(r, 700)); // heartbeats past the grace period below
    // Chromium reached the capture straight over loopback: a probe on that same route closes the windows.
    const probed = await prober.probe();
    await prober.stop();
    await probeMarkers.close();
    expect(probed.ok, JSON.stringify(probed)).to.equal(true);
    await sidecar.stop();
    const unsent = unsentCanaries();
    const analysis = await analyseCaptureFolder(path.join(tmp, 'cap'), { visits, canaries: unsent, graceMs: 500 });
    return { analysis, unsent, visits };
  } finally {
    await new Promise((r) => origin.close(r));
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('detect: real Chromium traffic through the capture sidecar (negative corpus)', function () {
  this.timeout(120_000);

  it('live mode, local pages: no finding for canaries never sent; the sent token is found, first party only', async () => {
    const { analysis, unsent, visits } = await browse('live', (o) => [
      { id: 'home', url: `${o}/` },
      { id: 'redirected', url: `${o}/go` },
    ]);
    expect(analysis.flows).to.be.greaterThan(8);
    const unsentValues = new Set(unsent.map((c) => c.value));
    expect(analysis.findings.filter((f) => unsentValues.has(f.canary.value))).to.deep.equal([]);
    for (const v of visits) {
      const token = v.canaries.find((c) => c.kind === 'visit-token')!.value;
      const chains = analysis.findings.filter((f) => f.canary.value === token).map((f) => f.chain.join(' › '));
      expect(chains).to.include('query[phc]');
      expect(chains).to.include('body › json.b64 › base64 › query[phc]');
      expect(chains).to.include('header[referer] › query[phc]');
    }
    expect(analysis.findings.every((f) => f.party === 'first-party')).to.equal(true);
    expect(analysis.undecodable).to.deep.equal([]);
    expect(analysis.verdicts.map((v) => v.verdict)).to.deep.equal(['not-leaked', 'not-leaked']);
  });

  it('sink mode, HTTPS: no finding for canaries never sent; the sent token and search term are found', async () => {
    const term = makeSearchTerm();
    const { analysis, unsent, visits } = await browse('sink', () => [
      { id: 'news', url: 'https://news.phonehome.test/article' },
      { id: 'search', url: `https://search.phonehome.test/search?q=${encodeURIComponent(term).replace(/%20/g, '+')}`, searchTerms: [term] },
    ]);
    const unsentValues = new Set(unsent.map((c) => c.value));
    expect(analysis.findings.filter((f) => unsentValues.has(f.canary.value))).to.deep.equal([]);
    const token = visits[0]!.canaries.find((c) => c.kind === 'visit-token')!.value;
    expect(analysis.findings.filter((f) => f.canary.value === token).map((f) => `${f.host} ${f.chain.join(' › ')}`)).to.include('news.phonehome.test query[phc]');
    expect(analysis.findings.filter((f) => f.canary.value === term).map((f) => `${f.host} ${f.chain.join(' › ')}`)).to.include('search.phonehome.test query[q]');
  });
});
