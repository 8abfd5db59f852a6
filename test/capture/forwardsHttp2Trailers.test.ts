import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CaptureSidecar, ProxyTunnelAgent, captureToHar, summarizeFlow, type Flow } from '../../harness/capture/index.js';
import { LeakFinder } from '../../harness/detect/index.js';
import { close, flowsWhen, h2SessionViaProxy, listen, selfSignedOriginCert, tempDir } from './captureTestKit.js';

// har-validator is CommonJS without types.
const harValidator = createRequire(import.meta.url)('har-validator/lib/promise') as { har: (data: unknown) => Promise<unknown> };

/** The flow lines on disk right now (what a SIGKILL at this instant would leave). */
function flowLinesNow(out: string): Flow[] {
  try {
    return readFileSync(path.join(out, 'flows.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Flow);
  } catch {
    return [];
  }
}

interface GrpcCall {
  status: number;
  body: string;
  trailers: http2.IncomingHttpHeaders;
  flowOnDiskAtEnd: boolean;
}

/**
 * gRPC over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): POST with
 * `content-type: application/grpc` and `te: trailers`, a length-prefixed message, and the call's
 * outcome in the response trailers (`grpc-status`, `grpc-message`). This client also sends a
 * request trailer, as a client streaming a checksum after its body would.
 */
function grpcCall(session: http2.ClientHttp2Session, out: string, id: string, requestTrailers: Record<string, string>): Promise<GrpcCall> {
  return new Promise((resolve, reject) => {
    const message = Buffer.from(`hello ${id}`);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const stream = session.request({ ':method': 'POST', ':path': `/phonehome.Echo/Say?id=${id}`, 'content-type': 'application/grpc', te: 'trailers' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(requestTrailers));
    let status = 0;
    let trailers: http2.IncomingHttpHeaders = {};
    let body = '';
    stream.once('response', (h) => (status = Number(h[':status'])));
    stream.once('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => (body += c.subarray(5).toString()));
    stream.once('end', () => resolve({ status, body, trailers, flowOnDiskAtEnd: flowLinesNow(out).some((f) => f.query === `id=${id}` && f.response !== undefined) }));
    stream.once('error', reject);
    stream.setTimeout(15_000, () => stream.destroy(new Error('gRPC call timed out')));
    stream.end(frame);
  });
}

describe('capture sidecar forwards HTTP/2 trailers both ways (live mode) and records them (live and sink modes)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let grpcOrigin: http2.Http2SecureServer;
  let grpcPort: number;
  let h1Origin: https.Server;
  let h1Port: number;
  let sidecar: CaptureSidecar;
  let out: string;
  const originSaw = new Map<string, { trailers: Record<string, unknown>; te: string | undefined; version: string; bytes?: number }>();

  before(async () => {
    tmp = tempDir('trailers');
    const cert = selfSignedOriginCert(tmp.dir);
    // A gRPC-style origin: answers after the request (and its trailers) ended, status in trailers.
    grpcOrigin = http2.createSecureServer({ ...cert, allowHTTP1: false });
    grpcOrigin.on('stream', (stream, headers) => {
      const id = new URL(String(headers[':path']), 'https://x').searchParams.get('id') ?? '';
      let trailers: Record<string, unknown> = {};
      let got = Buffer.alloc(0);
      stream.on('trailers', (t) => (trailers = { ...t }));
      stream.on('data', (c: Buffer) => (got = Buffer.concat([got, c])));
      stream.once('end', () => {
        originSaw.set(id, { trailers, te: headers.te as string | undefined, version: '2' });
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': `ok ${id}` }));
        const reply = Buffer.from(`echo ${got.subarray(5).toString()}`);
        stream.end(Buffer.concat([Buffer.from([0, 0, 0, 0, reply.length]), reply]));
      });
    });
    grpcPort = await listen(grpcOrigin as unknown as https.Server);
    // An HTTP/1.1 origin that reads chunked request trailers and answers with chunked response trailers.
    h1Origin = https.createServer(cert, (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.once('end', () => {
        originSaw.set(new URL(req.url ?? '/', 'https://x').searchParams.get('id') ?? '', { trailers: { ...req.trailers }, te: req.headers.te as string | undefined, version: req.httpVersion, bytes });
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
        res.write('chunked body');
        res.addTrailers({ 'x-checksum': 'sha1-abc' });
        res.end();
      });
    });
    h1Port = await listen(h1Origin);
    out = path.join(tmp.dir, 'cap');
    sidecar = new CaptureSidecar({ out, port: 0, upstream: 'live', home: path.join(tmp.dir, 'home'), upstreamTrustedCAs: [cert.cert] });
    await sidecar.start();
  });
  after(async () => {
    await sidecar.stop();
    await close(grpcOrigin as unknown as https.Server);
    await close(h1Origin);
    tmp.remove();
  });

  it('a gRPC-style HTTP/2 client gets grpc-status back, and its request trailers reach the origin', async () => {
    const session = await h2SessionViaProxy(sidecar.port, 'localhost', grpcPort, sidecar.ca.certPem);
    try {
      const call = await grpcCall(session, out, 'g1', { 'x-client-checksum': 'crc-7f3a' });
      expect(call.status).to.equal(200);
      expect(call.body).to.equal('echo hello g1');
      expect(call.trailers['grpc-status']).to.equal('0');
      expect(call.trailers['grpc-message']).to.equal('ok g1');
      expect(call.flowOnDiskAtEnd, 'the flow line is on disk before the client sees the end of the response').to.equal(true);
    } finally {
      session.close();
    }
    expect(originSaw.get('g1')?.trailers).to.deep.include({ 'x-client-checksum': 'crc-7f3a' });
    expect(originSaw.get('g1')?.te, 'te: trailers reaches a gRPC server').to.equal('trailers');
    const [flow] = (await flowsWhen(out, (f) => f.query === 'id=g1')).filter((f) => f.query === 'id=g1');
    expect(flow!.request.trailers).to.deep.equal([['x-client-checksum', 'crc-7f3a']]);
    expect(flow!.response!.trailers).to.deep.equal([['grpc-status', '0'], ['grpc-message', 'ok g1']]);
    expect(flow!.error).to.equal(undefined);
    expect(summarizeFlow(flow!)).to.match(/ HTTP\/2 TLSv1\.3  upstream HTTP\/2  3 trailers$/);
  });

  it('an HTTP/1.1 chunked client\'s trailers reach the origin, and the origin\'s reach the client; both recorded', async () => {
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem });
    try {
      const reply = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
        const req = https.request({ host: 'localhost', port: h1Port, method: 'POST', path: '/up?id=h1', agent, headers: { 'content-type': 'text/plain', te: 'trailers', trailer: 'x-upload-digest' }, timeout: 15_000 }, (res: http.IncomingMessage) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.once('end', () => resolve({ body, trailers: res.trailers }));
        });
        req.once('error', reject);
        req.write('part one, ');
        req.addTrailers({ 'x-upload-digest': 'md5-q7zk2x' });
        req.end('part two');
      });
      expect(reply.body).to.equal('chunked body');
      expect(reply.trailers['x-checksum']).to.equal('sha1-abc');
    } finally {
      agent.destroy();
    }
    expect(originSaw.get('h1')?.trailers).to.deep.include({ 'x-upload-digest': 'md5-q7zk2x' });
    const [flow] = (await flowsWhen(out, (f) => f.query === 'id=h1')).filter((f) => f.query === 'id=h1');
    expect(flow!.request.trailers).to.deep.equal([['x-upload-digest', 'md5-q7zk2x']]);
    expect(flow!.response!.trailers).to.deep.equal([['x-checksum', 'sha1-abc']]);
  });

  it('an HTTP/2 client\'s trailers reach an HTTP/1.1-only origin (a chunked request upstream), and that origin\'s chunked trailers reach the HTTP/2 client', async () => {
    // The origin offers no h2 by ALPN: the relay speaks HTTP/1.1 to it. An HTTP/2 request without
    // a content-length goes upstream chunked (RFC 9112 §7.1), whose trailer section carries them.
    const session = await h2SessionViaProxy(sidecar.port, 'localhost', h1Port, sidecar.ca.certPem);
    try {
      const reply = await new Promise<{ status: number; body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/up?id=h2toh1', 'content-type': 'text/plain' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-upload-digest': 'md5-h2h1' }));
        let status = 0;
        let body = '';
        let trailers: http2.IncomingHttpHeaders = {};
        stream.once('response', (h) => (status = Number(h[':status'])));
        stream.once('trailers', (t) => (trailers = t));
        stream.on('data', (c: Buffer) => (body += c));
        stream.once('end', () => resolve({ status, body, trailers }));
        stream.once('error', reject);
        stream.setTimeout(15_000, () => stream.destroy(new Error('timed out')));
        stream.end('one part');
      });
      expect(reply.status).to.equal(200);
      expect(reply.body).to.equal('chunked body');
      expect(reply.trailers['x-checksum']).to.equal('sha1-abc');
    } finally {
      session.close();
    }
    expect(originSaw.get('h2toh1')).to.deep.include({ version: '1.1' });
    expect(originSaw.get('h2toh1')?.trailers).to.deep.include({ 'x-upload-digest': 'md5-h2h1' });
    const [flow] = (await flowsWhen(out, (f) => f.query === 'id=h2toh1')).filter((f) => f.query === 'id=h2toh1');
    expect(flow!.upstream?.httpVersion).to.equal('1.1');
    expect(flow!.request.trailers).to.deep.equal([['x-upload-digest', 'md5-h2h1']]);
    expect(flow!.response!.trailers).to.deep.equal([['x-checksum', 'sha1-abc']]);
  });

  it('an HTTP/2 request declaring a content-length keeps it to an HTTP/1.1 origin: its trailers are recorded, and the origin gets the body whole without them', async () => {
    // HTTP/2 allows trailers after a body of declared length (RFC 9113 §8.1); HTTP/1.1 has a
    // trailer section only in the chunked coding (RFC 9112 §7.1.2), so a message framed by
    // Content-Length cannot carry them. Converting to chunked would hide the declared length from
    // the origin; an intermediary between versions may discard trailers (RFC 9110 §6.5.1), and
    // the record keeps them for detect.
    const session = await h2SessionViaProxy(sidecar.port, 'localhost', h1Port, sidecar.ca.certPem);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/up?id=h2cl', 'content-type': 'text/plain', 'content-length': '8' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-upload-digest': 'md5-cl' }));
        let status = 0;
        stream.once('response', (h) => (status = Number(h[':status'])));
        stream.resume();
        stream.once('end', () => resolve(status));
        stream.once('error', reject);
        stream.setTimeout(15_000, () => stream.destroy(new Error('timed out')));
        stream.end('one part');
      });
      expect(status).to.equal(200);
    } finally {
      session.close();
    }
    expect(originSaw.get('h2cl')).to.deep.include({ version: '1.1', bytes: 8, trailers: {} });
    const [flow] = (await flowsWhen(out, (f) => f.query === 'id=h2cl')).filter((f) => f.query === 'id=h2cl');
    expect(flow!.request.body.size).to.equal(8);
    expect(flow!.request.trailers).to.deep.equal([['x-upload-digest', 'md5-cl']]);
    expect(flow!.error).to.equal(undefined);
  });

  it('detect finds a canary sent in a request trailer, and its chain says trailer', async () => {
    const token = 'phc8w2trailerq5';
    const session = await h2SessionViaProxy(sidecar.port, 'localhost', grpcPort, sidecar.ca.certPem);
    try {
      await grpcCall(session, out, 'leak', { 'x-tracking-id': `uid=${token}` });
    } finally {
      session.close();
    }
    const flows = (await flowsWhen(out, (f) => f.query === 'id=leak')).filter((f) => f.query === 'id=leak');
    const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: token }] });
    await finder.addAll(flows);
    const { findings } = finder.result();
    expect(findings.map((f) => f.chain.join(' › '))).to.deep.equal(['trailer[x-tracking-id] › form[uid]']);
    expect(findings[0]!.host).to.equal('localhost');
  });

  it('HAR carries trailers as _trailers on request and response, and stays valid HAR 1.2', async () => {
    await flowsWhen(out, (f) => f.query === 'id=g1' || f.query === 'id=h1', 2);
    const har = await captureToHar(out);
    await harValidator.har(har);
    const entry = har.log.entries.find((e) => e.request.url.endsWith('id=g1')) as unknown as { request: { _trailers?: unknown }; response: { _trailers?: unknown } };
    expect(entry.request._trailers).to.deep.equal([{ name: 'x-client-checksum', value: 'crc-7f3a' }]);
    expect(entry.response._trailers).to.deep.equal([{ name: 'grpc-status', value: '0' }, { name: 'grpc-message', value: 'ok g1' }]);
  });

  it('sink mode records the request trailers of an HTTP/2 and of a chunked HTTP/1.1 client', async () => {
    const sinkOut = path.join(tmp.dir, 'sink');
    const sink = new CaptureSidecar({ out: sinkOut, port: 0, upstream: 'sink', home: path.join(tmp.dir, 'home') });
    await sink.start();
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sink.port }, ca: sink.ca.certPem });
    try {
      const session = await h2SessionViaProxy(sink.port, 'grpc.tracker.example', 443, sink.ca.certPem);
      try {
        const call = await grpcCall(session, sinkOut, 'sinkh2', { 'x-client-checksum': 'crc-sink' });
        expect(call.status).to.equal(204);
      } finally {
        session.close();
      }
      await new Promise<void>((resolve, reject) => {
        const req = https.request({ host: 'upload.tracker.example', port: 443, method: 'POST', path: '/up?id=sinkh1', agent, headers: { 'content-type': 'text/plain' }, timeout: 15_000 }, (res) => res.resume().once('end', resolve));
        req.once('error', reject);
        req.write('part one');
        req.addTrailers({ 'x-upload-digest': 'md5-sink' });
        req.end();
      });
      const flows = await flowsWhen(sinkOut, (f) => f.query.startsWith('id=sink'), 2);
      const byId = new Map(flows.map((f) => [f.query, f]));
      expect(byId.get('id=sinkh2')!.request.trailers).to.deep.equal([['x-client-checksum', 'crc-sink']]);
      expect(byId.get('id=sinkh1')!.request.trailers).to.deep.equal([['x-upload-digest', 'md5-sink']]);
    } finally {
      agent.destroy();
      await sink.stop();
    }
  });
});
