import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { CaptureSidecar, readBody } from '../../harness/capture/index.js';
import { close, curlViaProxy, flowsWhen, h2SessionViaProxy, listen, selfSignedOriginCert, tempDir } from './captureTestKit.js';

/**
 * Live mode speaks to the origin as the client speaks to the sidecar, where the origin can: an
 * HTTP/2 client's requests go upstream over HTTP/2 when the origin picks h2 by ALPN, over
 * HTTP/1.1 when it does not; an HTTP/1.1 client's stay HTTP/1.1.
 */
describe('capture sidecar speaks h2 upstream where the origin offers it (live mode)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: CaptureSidecar;
  let out: string;
  let caFile: string;
  let h2Origin: http2.Http2SecureServer;
  let h1Origin: https.Server;
  let h2Port: number;
  let h1Port: number;
  /** ALPN of every TLS connection the h2-capable origin accepted. */
  const h2OriginConnections: Array<string | false | null> = [];
  const bodies = new Map<string, Buffer>();

  before(async () => {
    tmp = tempDir('h2up');
    const cert = selfSignedOriginCert(tmp.dir);
    h2Origin = http2.createSecureServer({ ...cert, allowHTTP1: true }, (req, res) => {
      const id = new URL(req.url, 'https://x').searchParams.get('id') ?? '';
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.once('end', () => {
        const body = req.method === 'POST' ? Buffer.concat([Buffer.from(`got ${Buffer.concat(chunks).length} bytes; `), randomBytes(150_000)]) : Buffer.from(`version ${req.httpVersion}`);
        bodies.set(id, body);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'x-origin-version': req.httpVersion });
        res.end(body);
      });
    });
    h2Origin.on('secureConnection', (socket: TLSSocket) => h2OriginConnections.push(socket.alpnProtocol));
    h2Port = await listen(h2Origin as unknown as https.Server);
    h1Origin = https.createServer(cert, (req, res) => res.writeHead(200, { 'x-origin-version': req.httpVersion }).end(`version ${req.httpVersion}`));
    h1Port = await listen(h1Origin);
    out = path.join(tmp.dir, 'cap');
    sidecar = new CaptureSidecar({ out, port: 0, upstream: 'live', home: path.join(tmp.dir, 'home'), upstreamTrustedCAs: [cert.cert] });
    await sidecar.start();
    caFile = path.join(tmp.dir, 'capture-ca.pem');
    writeFileSync(caFile, sidecar.ca.certPem);
  });
  after(async () => {
    await sidecar.stop();
    await close(h2Origin as unknown as https.Server);
    await close(h1Origin);
    tmp.remove();
  });

  const flowOf = async (id: string) => (await flowsWhen(out, (f) => f.query === `id=${id}`)).find((f) => f.query === `id=${id}`)!;

  it('curl --http2 to an origin offering h2: HTTP/2 upstream, on one shared connection for several clients', async () => {
    const before = h2OriginConnections.length;
    const replies = await Promise.all(['a', 'b', 'c'].map((id) => curlViaProxy(sidecar.url, caFile, `https://localhost:${h2Port}/v?id=h2${id}`, ['--http2'])));
    for (const reply of replies) {
      expect(reply.statusLine).to.match(/^HTTP\/2 200/);
      expect(reply.body).to.equal('version 2.0');
    }
    expect(h2OriginConnections.slice(before), 'one h2 connection carried all three clients\' streams').to.deep.equal(['h2']);
    const flow = await flowOf('h2a');
    expect(flow.httpVersion).to.equal('2');
    expect(flow.upstream?.httpVersion).to.equal('2');
    expect(flow.upstream?.tls).to.deep.include({ alpn: 'h2', sni: 'localhost' });
    expect(flow.upstreamIp).to.equal('127.0.0.1');
  });

  it('streams a request and a 150 KB response over the h2 upstream intact, and stores them byte-identical', async () => {
    const session = await h2SessionViaProxy(sidecar.port, 'localhost', h2Port, sidecar.ca.certPem);
    const upload = randomBytes(200_000);
    try {
      const body = await new Promise<Buffer>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/up?id=big', 'content-type': 'application/octet-stream' });
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.once('end', () => resolve(Buffer.concat(chunks)));
        stream.once('error', reject);
        stream.end(upload);
      });
      expect(body.equals(bodies.get('big')!)).to.equal(true);
      expect(body.subarray(0, 18).toString(), 'the origin got the whole upload').to.equal('got 200000 bytes; ');
    } finally {
      session.close();
    }
    const flow = await flowOf('big');
    expect(flow.upstream?.httpVersion).to.equal('2');
    expect((await readBody(out, flow.request.body)).equals(upload)).to.equal(true);
    expect((await readBody(out, flow.response!.body)).equals(bodies.get('big')!)).to.equal(true);
    expect(flow.error).to.equal(undefined);
  });

  it('curl --http2 to an origin that offers only HTTP/1.1: HTTP/1.1 upstream', async () => {
    const reply = await curlViaProxy(sidecar.url, caFile, `https://localhost:${h1Port}/v?id=h1only`, ['--http2']);
    expect(reply.statusLine).to.match(/^HTTP\/2 200/);
    expect(reply.body).to.equal('version 1.1');
    const flow = await flowOf('h1only');
    expect(flow.httpVersion).to.equal('2');
    expect(flow.upstream?.httpVersion).to.equal('1.1');
  });

  it('curl --http1.1 to the h2-capable origin stays HTTP/1.1 upstream', async () => {
    const reply = await curlViaProxy(sidecar.url, caFile, `https://localhost:${h2Port}/v?id=client11`, ['--http1.1']);
    expect(reply.statusLine).to.match(/^HTTP\/1\.1 200/);
    expect(reply.body).to.equal('version 1.1');
    const flow = await flowOf('client11');
    expect(flow.upstream?.httpVersion).to.equal('1.1');
  });
});
