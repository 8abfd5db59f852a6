import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { CaptureSidecar, captureToHar } from '../../harness/capture/index.js';
import { close, curlViaProxy, flowsWhen, listen, selfSignedOriginCert, tempDir } from './captureTestKit.js';

/**
 * `curl --http1.0` through the sidecar: the origin must get an HTTP/1.0 request and curl an
 * HTTP/1.0 response (Node's HTTP/1 client and server always write 1.1 in their start lines), and
 * the flow must say 1.0.
 */
describe('capture sidecar keeps HTTP/1.0 end to end (curl --http1.0)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let live: CaptureSidecar;
  let sink: CaptureSidecar;
  let liveOut: string;
  let sinkOut: string;
  let caFile: string;
  let tlsOrigin: https.Server;
  let plainOrigin: http.Server;
  let tlsPort: number;
  let plainPort: number;
  /** What the origins saw, by the request's id parameter. */
  const seen = new Map<string, { version: string; body: string }>();

  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.once('end', () => {
      seen.set(new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '', { version: req.httpVersion, body });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin-saw': req.httpVersion });
      res.end(`origin saw HTTP/${req.httpVersion}\n`);
    });
  };

  before(async () => {
    tmp = tempDir('http10');
    const cert = selfSignedOriginCert(tmp.dir);
    tlsOrigin = https.createServer(cert, answer);
    plainOrigin = http.createServer(answer);
    tlsPort = await listen(tlsOrigin);
    plainPort = await listen(plainOrigin);
    const home = path.join(tmp.dir, 'home');
    liveOut = path.join(tmp.dir, 'live');
    sinkOut = path.join(tmp.dir, 'sink');
    live = new CaptureSidecar({ out: liveOut, port: 0, upstream: 'live', home, upstreamTrustedCAs: [cert.cert] });
    sink = new CaptureSidecar({ out: sinkOut, port: 0, upstream: 'sink', home });
    await live.start();
    await sink.start();
    caFile = path.join(tmp.dir, 'capture-ca.pem');
    writeFileSync(caFile, live.ca.certPem);
  });
  after(async () => {
    await live.stop();
    await sink.stop();
    await close(tlsOrigin);
    await close(plainOrigin);
    tmp.remove();
  });

  it('HTTPS in live mode: the origin gets HTTP/1.0, curl gets HTTP/1.0, the flow and HAR say 1.0', async () => {
    const reply = await curlViaProxy(live.url, caFile, `https://localhost:${tlsPort}/page?id=tls10`, ['--http1.0']);
    expect(reply.statusLine).to.match(/^HTTP\/1\.0 200\b/);
    expect(reply.body).to.equal('origin saw HTTP/1.0\n');
    expect(seen.get('tls10')?.version).to.equal('1.0');
    const flow = (await flowsWhen(liveOut, (f) => f.query === 'id=tls10')).find((f) => f.query === 'id=tls10')!;
    expect(flow.httpVersion).to.equal('1.0');
    // Node's origin answers a 1.0 request in 1.1 (RFC 9110 §6.2): recorded, not passed on.
    expect(flow.upstream).to.deep.include({ httpVersion: '1.0', responseVersion: '1.1' });
    const entry = (await captureToHar(liveOut)).log.entries.find((e) => e.request.url.endsWith('id=tls10'))!;
    expect([entry.request.httpVersion, entry.response.httpVersion]).to.deep.equal(['HTTP/1.0', 'HTTP/1.0']);
  });

  it('plain HTTP in live mode, with a body: HTTP/1.0 both ways and the body intact', async () => {
    const reply = await curlViaProxy(live.url, caFile, `http://127.0.0.1:${plainPort}/form?id=plain10`, ['--http1.0', '--data', 'q=phonehome 1.0']);
    expect(reply.statusLine).to.match(/^HTTP\/1\.0 200\b/);
    expect(seen.get('plain10')).to.deep.equal({ version: '1.0', body: 'q=phonehome 1.0' });
    const flow = (await flowsWhen(liveOut, (f) => f.query === 'id=plain10')).find((f) => f.query === 'id=plain10')!;
    expect(flow.httpVersion).to.equal('1.0');
    expect(flow.method).to.equal('POST');
    expect(flow.upstream?.httpVersion).to.equal('1.0');
  });

  it('HTTP/1.1 stays 1.1 (the control)', async () => {
    const reply = await curlViaProxy(live.url, caFile, `https://localhost:${tlsPort}/page?id=tls11`, ['--http1.1']);
    expect(reply.statusLine).to.match(/^HTTP\/1\.1 200\b/);
    expect(seen.get('tls11')?.version).to.equal('1.1');
    const flow = (await flowsWhen(liveOut, (f) => f.query === 'id=tls11')).find((f) => f.query === 'id=tls11')!;
    expect(flow.httpVersion).to.equal('1.1');
    expect(flow.upstream).to.deep.equal({ httpVersion: '1.1', tls: flow.upstream!.tls });
  });

  it('sink mode answers a 1.0 client in 1.0 and records 1.0', async () => {
    const reply = await curlViaProxy(sink.url, caFile, 'https://tracker.example/collect?id=sink10', ['--http1.0']);
    expect(reply.statusLine).to.match(/^HTTP\/1\.0 204\b/);
    const plain = await curlViaProxy(sink.url, caFile, 'http://tracker.example/page?id=sinkplain10', ['--http1.0', '-H', 'accept: text/html']);
    expect(plain.statusLine).to.match(/^HTTP\/1\.0 200\b/);
    expect(plain.body).to.contain('phonehome capture sink');
    const flows = await flowsWhen(sinkOut, (f) => f.query.startsWith('id=sink'), 2);
    expect(flows.filter((f) => f.query.startsWith('id=sink')).map((f) => f.httpVersion)).to.deep.equal(['1.0', '1.0']);
  });
});
