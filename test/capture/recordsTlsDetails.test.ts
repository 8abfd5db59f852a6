import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CaptureSidecar, captureToHar } from '../../harness/capture/index.js';
import { LeakFinder } from '../../harness/detect/index.js';
import { renderHtml } from '../../harness/report/htmlReport.js';
import { runRecordErrors } from '../../harness/report/runJson.js';
import { sampleRun } from '../report/sampleRun.js';
import { close, curlViaProxy, flowsWhen, listen, selfSignedOriginCert, tempDir } from './captureTestKit.js';

// har-validator is CommonJS without types.
const harValidator = createRequire(import.meta.url)('har-validator/lib/promise') as { har: (data: unknown) => Promise<unknown> };
const CHROMIUM = process.env.PHONEHOME_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, loading `url` through the proxy (trusting any certificate, as a phone with the CA installed does). */
function chromiumVisit(proxyPort: number, url: string, profile: string): Promise<void> {
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=<-loopback>', '--ignore-certificate-errors', '--virtual-time-budget=2000', '--dump-dom', url,
  ];
  return new Promise((resolve, reject) => execFile(CHROMIUM, args, { timeout: 30_000 }, (error) => (error ? reject(new Error(`chromium failed on ${url}: ${error.message}`)) : resolve())));
}

describe('capture sidecar records each flow\'s TLS: version, cipher, ALPN and SNI (client side, and upstream in live mode)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let sink: CaptureSidecar;
  let live: CaptureSidecar;
  let sinkOut: string;
  let liveOut: string;
  let caFile: string;
  let origin: https.Server;
  let originPort: number;

  before(async () => {
    tmp = tempDir('tlsdetails');
    const cert = selfSignedOriginCert(tmp.dir);
    // An origin that speaks TLS 1.2 at most: the upstream side must say so.
    origin = https.createServer({ ...cert, maxVersion: 'TLSv1.2' }, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('tls 1.2 origin\n'));
    originPort = await listen(origin);
    const home = path.join(tmp.dir, 'home');
    sinkOut = path.join(tmp.dir, 'sink');
    liveOut = path.join(tmp.dir, 'live');
    sink = new CaptureSidecar({ out: sinkOut, port: 0, upstream: 'sink', home });
    live = new CaptureSidecar({ out: liveOut, port: 0, upstream: 'live', home, upstreamTrustedCAs: [cert.cert] });
    await sink.start();
    await live.start();
    caFile = path.join(tmp.dir, 'capture-ca.pem');
    writeFileSync(caFile, sink.ca.certPem);
  });
  after(async () => {
    await sink.stop();
    await live.stop();
    await close(origin);
    tmp.remove();
  });

  it('curl held to TLS 1.2 with one cipher over HTTP/1.1: the flow names that version, cipher, ALPN and SNI', async () => {
    await curlViaProxy(sink.url, caFile, 'https://tls12.example/collect?id=c12', ['--http1.1', '--tlsv1.2', '--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES128-GCM-SHA256']);
    const flow = (await flowsWhen(sinkOut, (f) => f.query === 'id=c12')).find((f) => f.query === 'id=c12')!;
    expect(flow.tls).to.deep.equal({ version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', alpn: 'http/1.1', sni: 'tls12.example' });
  });

  it('curl --http2 on TLS 1.3: the flow says TLSv1.3, a TLS 1.3 suite and h2', async () => {
    await curlViaProxy(sink.url, caFile, 'https://tls13.example/collect?id=c13', ['--http2', '--tlsv1.3']);
    const flow = (await flowsWhen(sinkOut, (f) => f.query === 'id=c13')).find((f) => f.query === 'id=c13')!;
    expect(flow.httpVersion).to.equal('2');
    expect(flow.tls).to.deep.include({ version: 'TLSv1.3', alpn: 'h2', sni: 'tls13.example' });
    expect(flow.tls!.cipher).to.match(/^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
  });

  it('live mode records the upstream TLS too: the origin held to TLS 1.2 shows as such, apart from the client\'s TLS 1.3', async () => {
    await curlViaProxy(live.url, caFile, `https://localhost:${originPort}/page?id=up12`, ['--http1.1', '--tlsv1.3']);
    const flow = (await flowsWhen(liveOut, (f) => f.query === 'id=up12')).find((f) => f.query === 'id=up12')!;
    expect(flow.tls).to.deep.include({ version: 'TLSv1.3', sni: 'localhost' });
    expect(flow.upstream?.httpVersion).to.equal('1.1');
    expect(flow.upstream?.tls).to.deep.include({ version: 'TLSv1.2', alpn: 'http/1.1', sni: 'localhost' });
    expect(flow.upstream?.tls?.cipher).to.match(/^TLS_ECDHE_/);
    // The report's evidence shows both sides.
    const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: 'up12-token' }] });
    await finder.addAll([{ ...flow, query: 'id=up12-token' }]);
    const run = sampleRun();
    run.findings[0]!.connection = finder.result().findings[0]!.connection!;
    expect(runRecordErrors(run)).to.deep.equal([]);
    expect(renderHtml(run)).to.contain(`capture → server: HTTP/1.1, TLSv1.2, ${flow.upstream!.tls!.cipher}, ALPN http/1.1, SNI localhost`);
  });

  it('Debian\'s Chromium: its TLS is recorded, carried in HAR _tls (valid HAR), in run.json findings and in the HTML report\'s evidence', async () => {
    const token = 'phc4tls9chromium';
    await chromiumVisit(sink.port, `https://tls-report.example/landing?phc=${token}`, path.join(tmp.dir, 'profile'));
    const flows = (await flowsWhen(sinkOut, (f) => f.host === 'tls-report.example' && f.path === '/landing')).filter((f) => f.host === 'tls-report.example' && f.path === '/landing');
    const flow = flows[0]!;
    expect(flow.httpVersion).to.equal('2');
    expect(flow.tls).to.deep.include({ version: 'TLSv1.3', alpn: 'h2', sni: 'tls-report.example' });

    const har = await captureToHar(sinkOut);
    await harValidator.har(har);
    const entry = har.log.entries.find((e) => e.request.url.includes(token)) as unknown as { _tls?: unknown };
    expect(entry._tls).to.deep.equal({ client: flow.tls });

    const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: token }] });
    await finder.addAll(flows);
    const [finding] = finder.result().findings;
    expect(finding!.connection).to.deep.equal({ httpVersion: '2', tls: flow.tls });
    const run = sampleRun();
    run.findings[0]!.connection = finding!.connection!;
    expect(runRecordErrors(run)).to.deep.equal([]);
    const html = renderHtml(run);
    expect(html).to.contain(`phone → capture: HTTP/2, TLSv1.3, ${flow.tls!.cipher}, ALPN h2, SNI tls-report.example`);
  });
});
