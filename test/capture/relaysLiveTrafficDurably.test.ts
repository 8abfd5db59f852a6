import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { CaptureSidecar, ProxyTunnelAgent, openTunnel, readBody, type Flow } from '../../harness/capture/index.js';
import { close, flowsWhen, httpViaProxy, listen, openWebSocket, request, selfSignedOriginCert, tempDir, webSocketEchoOrigin } from './captureTestKit.js';

/** The Flow lines in flows.jsonl right now, read synchronously (what a SIGKILL at this instant would leave). */
function flowLinesNow(out: string): Flow[] {
  let text = '';
  try {
    text = readFileSync(path.join(out, 'flows.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Flow);
}

describe('capture sidecar (live mode) relays through its own keep-alive pool and writes flows durably', function () {
  let tmp: ReturnType<typeof tempDir>;
  let origin: https.Server;
  let originPort: number;
  let originCert: { key: string; cert: string };
  let sidecar: CaptureSidecar;
  let out: string;
  let agent: ProxyTunnelAgent;
  const bodies = new Map<string, Buffer>();
  const originSockets = new Set<net.Socket>();

  before(async () => {
    tmp = tempDir('livedur');
    originCert = selfSignedOriginCert(tmp.dir);
    origin = https.createServer(originCert, (req, res) => {
      const u = new URL(req.url ?? '/', 'https://origin');
      const n = Number(u.searchParams.get('n') ?? 0);
      const body = randomBytes(n);
      bodies.set(u.searchParams.get('id') ?? '', body);
      if (u.pathname === '/cl') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n }).end(body);
      } else if (u.pathname === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < n; i += 16 * 1024) res.write(body.subarray(i, i + 16 * 1024));
        res.end();
      } else if (u.pathname === '/nocontent') {
        res.writeHead(204, { 'x-answer': 'none' }).end();
      } else if (u.pathname === '/stall') {
        // Sends part of the body, then nothing: the client gives up.
        res.writeHead(200, { 'content-length': 1_000_000 }).write(body.subarray(0, 100_000));
      } else {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => res.writeHead(201, { 'content-type': 'text/plain' }).end(`got ${Buffer.concat(chunks).length} bytes`));
      }
    });
    origin.on('connection', (s: net.Socket) => { originSockets.add(s); s.once('close', () => originSockets.delete(s)); });
    origin.on('upgrade', webSocketEchoOrigin);
    originPort = await listen(origin);
    out = path.join(tmp.dir, 'cap');
    sidecar = new CaptureSidecar({ out, port: 0, upstream: 'live', home: path.join(tmp.dir, 'home'), upstreamTrustedCAs: [originCert.cert] });
    await sidecar.start();
    agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true });
  });
  after(async () => {
    agent.destroy();
    await sidecar.stop();
    await close(origin);
    tmp.remove();
  });

  /** GET through the sidecar; at the client's 'end', notes whether the flow was already on disk. */
  function getAndCheckDurable(reqPath: string, id: string): Promise<{ body: Buffer; flowOnDiskAtEnd: boolean }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: originPort, path: reqPath, agent, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const flowOnDiskAtEnd = flowLinesNow(out).some((f) => f.query.includes(`id=${id}`) && f.response !== undefined);
          resolve({ body: Buffer.concat(chunks), flowOnDiskAtEnd });
        });
      });
      req.once('timeout', () => req.destroy(new Error('timed out')));
      req.once('error', reject);
      req.end();
    });
  }

  it('has each flow on disk before the client has the end of its response (declared length, chunked, inline, blob, own file)', async () => {
    const cases = [
      { path: '/cl', n: 1000, id: 'small' }, // inline
      { path: '/cl', n: 200_000, id: 'cl' }, // declared length: a range of the shared blob file
      { path: '/chunked', n: 100_000, id: 'chunk' }, // unknown length, ends within memory: blob at the end
      { path: '/chunked', n: 600_000, id: 'bigchunk' }, // unknown length past the memory allowance: own file
    ];
    for (const c of cases) {
      const { body, flowOnDiskAtEnd } = await getAndCheckDurable(`${c.path}?n=${c.n}&id=${c.id}`, c.id);
      expect(body.equals(bodies.get(c.id)!), `${c.id}: body relayed intact`).to.equal(true);
      expect(flowOnDiskAtEnd, `${c.id}: flow line on disk when the client saw the end`).to.equal(true);
    }
    const flows = await flowsWhen(out, (f) => cases.some((c) => f.query.includes(`id=${c.id}`)), cases.length);
    for (const c of cases) {
      const flow = flows.find((f) => f.query.includes(`id=${c.id}`))!;
      expect(flow.upstreamIp).to.equal('127.0.0.1');
      expect(flow.error).to.equal(undefined);
      const stored = await readBody(out, flow.response!.body);
      expect(stored.equals(bodies.get(c.id)!), `${c.id}: stored byte-identical`).to.equal(true);
    }
    const ref = (id: string) => flows.find((f) => f.query.includes(`id=${id}`))!.response!.body;
    expect(ref('small').inline).to.be.a('string');
    expect(ref('cl').file).to.match(/^bodies\/blob-.*\.bin$/);
    expect(ref('cl').offset).to.be.a('number');
    expect(ref('chunk').offset).to.be.a('number');
    expect(ref('bigchunk').file).to.match(/\.res$/);
    expect(ref('bigchunk').offset).to.equal(undefined);
  });

  it('reuses upstream connections across client connections (one pooled TLS connection for sequential requests)', async () => {
    for (const s of originSockets) s.destroy();
    for (let i = 0; i < 5; i++) {
      const fresh = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem });
      const reply = await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, path: `/cl?n=10&id=pool${i}`, agent: fresh });
      fresh.destroy();
      expect(reply.status).to.equal(200);
    }
    expect(originSockets.size).to.equal(1);
  });

  it('relays an HTTP/2 client to an HTTP/1.1 origin and records the client\'s view', async () => {
    const tunnel = await openTunnel({ host: '127.0.0.1', port: sidecar.port }, 'localhost', originPort);
    const session = http2.connect(`https://localhost:${originPort}`, {
      createConnection: () => tls.connect({ socket: tunnel as net.Socket, servername: 'localhost', ca: sidecar.ca.certPem, ALPNProtocols: ['h2'] }),
    });
    const upload = randomBytes(70_000);
    const { status, text, onDisk } = await new Promise<{ status: number; text: string; onDisk: boolean }>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/upload?id=h2', 'content-type': 'application/octet-stream', cookie: 'a=1' });
      let code = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => { code = Number(h[':status']); });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status: code, text: Buffer.concat(chunks).toString(), onDisk: flowLinesNow(out).some((f) => f.query === 'id=h2') }));
      stream.on('error', reject);
      stream.end(upload);
    });
    // A response without a body is complete with its head: that head too waits for the flow.
    const noContent = await new Promise<{ status: number; onDisk: boolean }>((resolve, reject) => {
      const stream = session.request({ ':method': 'GET', ':path': '/nocontent?id=h2none' });
      stream.on('response', (h) => resolve({ status: Number(h[':status']), onDisk: flowLinesNow(out).some((f) => f.query === 'id=h2none') }));
      stream.on('error', reject);
      stream.resume();
    });
    session.close();
    expect(noContent).to.deep.equal({ status: 204, onDisk: true });
    expect(status).to.equal(201);
    expect(text).to.equal('got 70000 bytes');
    expect(onDisk).to.equal(true);
    const flow = (await flowsWhen(out, (f) => f.query === 'id=h2')).find((f) => f.query === 'id=h2')!;
    expect(flow).to.include({ httpVersion: '2', method: 'POST', path: '/upload' });
    expect(flow.tls?.alpn).to.equal('h2');
    expect((await readBody(out, flow.request.body)).equals(upload)).to.equal(true);
  });

  it('relays plain HTTP (absolute-form proxy requests) with path, query, headers and body intact', async () => {
    let seen: { url?: string; host?: string; proxy?: string; body?: string } = {};
    const plain = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { url: req.url, host: req.headers.host, proxy: req.headers['proxy-connection'] as string | undefined, body: Buffer.concat(chunks).toString() };
        res.writeHead(200, { 'x-origin': 'plain', 'content-type': 'text/plain' }).end('plain answer');
      });
    });
    const plainPort = await listen(plain);
    try {
      const reply = await httpViaProxy(sidecar.port, `http://127.0.0.1:${plainPort}/form/submit?q=a%20b&id=plain`, { method: 'POST', headers: { 'proxy-connection': 'keep-alive', 'content-type': 'application/x-www-form-urlencoded' } }, 'visit=https%3A%2F%2Fsite.example%2Ftok');
      expect(reply.status).to.equal(200);
      expect(reply.headers['x-origin']).to.equal('plain');
      expect(reply.body.toString()).to.equal('plain answer');
      expect(seen).to.deep.equal({ url: '/form/submit?q=a%20b&id=plain', host: `127.0.0.1:${plainPort}`, proxy: undefined, body: 'visit=https%3A%2F%2Fsite.example%2Ftok' });
      const flow = (await flowsWhen(out, (f) => f.query.endsWith('id=plain'))).find((f) => f.query.endsWith('id=plain'))!;
      expect(flow).to.include({ scheme: 'http', method: 'POST', path: '/form/submit', query: 'q=a%20b&id=plain', upstreamIp: '127.0.0.1' });
      expect((await readBody(out, flow.request.body)).toString()).to.equal('visit=https%3A%2F%2Fsite.example%2Ftok');
      expect(flow.response?.headers).to.deep.include(['x-origin', 'plain']);
    } finally {
      await close(plain);
    }
  });

  it('relays a WebSocket to the origin and records its messages', async () => {
    const wsOrigin = http.createServer((_req, res) => res.writeHead(426).end());
    wsOrigin.on('upgrade', webSocketEchoOrigin);
    const wsPort = await listen(wsOrigin);
    after(() => close(wsOrigin));
    const ws = await openWebSocket(sidecar.port, `ws://127.0.0.1:${wsPort}/socket?id=ws`);
    ws.send('first');
    expect(await ws.next()).to.equal('echo: first');
    ws.send('second');
    expect(await ws.next()).to.equal('echo: second');
    ws.close();
    const flow = (await flowsWhen(out, (f) => f.websocket !== undefined && f.query === 'id=ws' && f.websocket.open !== true)).find((f) => f.query === 'id=ws')!;
    expect(flow.response?.status).to.equal(101);
    expect(flow.upstreamIp).to.equal('127.0.0.1');
    const texts = await Promise.all(flow.websocket!.messages.map(async (m) => `${m.direction}:${(await readBody(out, m.body)).toString()}`));
    expect(texts).to.deep.equal(['sent:first', 'received:echo: first', 'sent:second', 'received:echo: second']);
  }).timeout(20_000);

  it('answers 502 and records why when the upstream certificate is not trusted, naming --upstream-ca', async () => {
    const strict = new CaptureSidecar({ out: path.join(tmp.dir, 'strict'), port: 0, upstream: 'live', home: path.join(tmp.dir, 'home') });
    await strict.start();
    const strictAgent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: strict.port }, ca: strict.ca.certPem });
    try {
      const reply = await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, path: '/cl?n=5&id=untrusted', agent: strictAgent });
      expect(reply.status).to.equal(502);
      expect(reply.body.toString()).to.match(/--upstream-ca/);
      const flow = (await flowsWhen(strict.out, (f) => f.query.includes('id=untrusted'))).find((f) => f.query.includes('id=untrusted'))!;
      expect(flow.error).to.match(/^upstream failed: .*(CERT|SELF_SIGNED).*--upstream-ca/);
      expect(flow.response?.status).to.equal(502);
    } finally {
      strictAgent.destroy();
      await strict.stop();
    }
  });

  it('refuses to forward a request to the sidecar itself (508) instead of looping', async () => {
    const reply = await httpViaProxy(sidecar.port, `http://127.0.0.1:${sidecar.port}/self?id=loop`);
    expect(reply.status).to.equal(508);
    const flow = (await flowsWhen(out, (f) => f.query === 'id=loop')).find((f) => f.query === 'id=loop')!;
    expect(flow.error).to.match(/loop/);
  });

  it('records a client that gives up mid-response as aborted, with what arrived kept as truncated', async () => {
    const abortAgent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem });
    await new Promise<void>((resolve) => {
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: originPort, path: '/stall?n=100000&id=gaveup', agent: abortAgent }, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= 100_000) req.destroy();
        });
      });
      req.once('error', () => resolve());
      req.once('close', () => resolve());
      req.end();
    });
    abortAgent.destroy();
    const flow = (await flowsWhen(out, (f) => f.query.includes('id=gaveup'))).find((f) => f.query.includes('id=gaveup'))!;
    expect(flow.error).to.match(/^aborted: the client closed the connection/);
    expect(flow.response?.status).to.equal(200);
    expect(flow.response?.body.truncated).to.equal(true);
    expect(flow.response?.body.size).to.be.at.least(100_000);
    expect((await readBody(out, flow.response!.body)).subarray(0, 100_000).equals(bodies.get('gaveup')!.subarray(0, 100_000))).to.equal(true);
  });
});
