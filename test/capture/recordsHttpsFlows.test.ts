import { expect } from 'chai';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { CaptureSidecar, ProxyTunnelAgent, openTunnel, readBlindSpots, readBody, readMarkers, type BlindSpot, type Flow } from '../../harness/capture/index.js';
import { PhonehomeError } from '../../harness/errors.js';
import { collectFlows, flowsWhen, httpViaProxy, request, tempDir, webSocketRoundTrip } from './captureTestKit.js';

describe('capture sidecar (sink mode) records what goes through it', function () {
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: CaptureSidecar;
  let out: string;

  before(async () => {
    tmp = tempDir('sink');
    out = `${tmp.dir}/cap`;
    sidecar = new CaptureSidecar({ out, port: 0, home: `${tmp.dir}/home`, heartbeatMs: 100 });
    await sidecar.start();
  });
  after(async () => {
    await sidecar.stop();
    tmp.remove();
  });

  function nextFlow(predicate: (f: Flow) => boolean): Promise<Flow> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching flow within 10 s')), 10_000);
      const on = (f: Flow) => {
        if (!predicate(f)) return;
        clearTimeout(timer);
        sidecar.off('flow', on);
        resolve(f);
      };
      sidecar.on('flow', on);
    });
  }

  it('listens on 127.0.0.1 only', () => {
    expect(sidecar.url).to.equal(`http://127.0.0.1:${sidecar.port}`);
    // Nothing answers on another local address of this machine at that port.
    return new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.2', port: sidecar.port });
      s.once('connect', () => { s.destroy(); reject(new Error('reachable on 127.0.0.2')); });
      s.once('error', () => resolve());
    });
  });

  it('records an HTTPS exchange from a client that trusts the CA, body and TLS facts included', async () => {
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem });
    const seen = nextFlow((f) => f.path === '/collect');
    const reply = await request(true, { host: 'tracker.example', port: 443, method: 'POST', path: '/collect?visit=tok123&x=%20y', agent, headers: { 'content-type': 'text/plain' } }, 'url=https://site.example/tok123');
    agent.destroy();
    expect(reply.status).to.equal(204);
    const flow = await seen;
    expect(flow).to.include({ method: 'POST', scheme: 'https', host: 'tracker.example', port: 443, path: '/collect', query: 'visit=tok123&x=%20y', httpVersion: '1.1' });
    expect(flow.tls?.sni).to.equal('tracker.example');
    expect(flow.client.address).to.equal('127.0.0.1');
    expect(flow.response?.status).to.equal(204);
    expect(flow.request.headers).to.deep.include(['content-type', 'text/plain']);
    expect((await readBody(out, flow.request.body)).toString()).to.equal('url=https://site.example/tok123');
    expect(flow.endedAt).to.be.at.least(flow.startedAt);
    expect((await collectFlows(out)).map((f) => f.id)).to.include(flow.id);
  });

  it('answers navigations with a small page and everything else with 204, over plain HTTP', async () => {
    const page = await httpViaProxy(sidecar.port, 'http://news.example/a?b=c', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/text\/html/);
    expect(page.body.toString()).to.match(/phonehome capture sink/);
    const beacon = await httpViaProxy(sidecar.port, 'http://news.example/beacon', { method: 'POST' }, 'x=1');
    expect(beacon.status).to.equal(204);
    const flows = await flowsWhen(out, (f) => f.path === '/a' || f.path === '/beacon', 2);
    const nav = flows.find((f) => f.path === '/a');
    expect(nav).to.include({ scheme: 'http', host: 'news.example', port: 80, query: 'b=c' });
    expect(nav?.response?.body.size).to.equal(page.body.length);
  });

  it('turns a client that rejects the certificate into a BlindSpot and no flow', async () => {
    const untrusting = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port } });
    const blind = new Promise<BlindSpot>((resolve) => sidecar.once('blindspot', resolve));
    const error = await request(true, { host: 'pinned.example', port: 443, path: '/secret', agent: untrusting }).then(() => null, (e: Error) => e);
    untrusting.destroy();
    expect(error?.message).to.match(/certificate/);
    const spot = await blind;
    expect(spot).to.include({ reason: 'tls-rejected', host: 'pinned.example' });
    expect(await readBlindSpots(out)).to.deep.include(spot);
    expect((await collectFlows(out)).filter((f) => f.host === 'pinned.example')).to.have.length(0);
  });

  it('records HTTP/2 exchanges', async () => {
    const tunnel = await openTunnel({ host: '127.0.0.1', port: sidecar.port }, 'h2.example', 443);
    const session = http2.connect('https://h2.example', {
      createConnection: () => tls.connect({ socket: tunnel as net.Socket, servername: 'h2.example', ca: sidecar.ca.certPem, ALPNProtocols: ['h2'] }),
    });
    const seen = nextFlow((f) => f.host === 'h2.example');
    const status = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/h2/path?q=1', 'content-type': 'application/json' });
      let code = 0;
      stream.on('response', (h) => { code = Number(h[':status']); });
      stream.on('end', () => resolve(code));
      stream.on('error', reject);
      stream.resume();
      stream.end('{"h2":true}');
    });
    session.close();
    expect(status).to.equal(204);
    const flow = await seen;
    expect(flow).to.include({ httpVersion: '2', method: 'POST', path: '/h2/path', query: 'q=1', scheme: 'https' });
    expect(flow.tls?.alpn).to.equal('h2');
    expect((await readBody(out, flow.request.body)).toString()).to.equal('{"h2":true}');
  });

  it('records a WebSocket exchange with its messages', async () => {
    const seen = nextFlow((f) => f.websocket !== undefined);
    const { status, reply } = await webSocketRoundTrip(sidecar.port, 'ws://ws.example/socket?room=1', 'hello from the phone');
    expect(status).to.equal(101);
    expect(reply).to.equal('hello from the phone'); // the sink echoes
    const flow = await seen;
    expect(flow).to.include({ scheme: 'ws', host: 'ws.example', path: '/socket', query: 'room=1' });
    expect(flow.response?.status).to.equal(101);
    const messages = flow.websocket!.messages;
    expect(messages.map((m) => m.direction)).to.deep.equal(['sent', 'received']); // sent by the client, echoed back
    const texts = await Promise.all(messages.map(async (m) => (await readBody(out, m.body)).toString()));
    expect(texts).to.deep.equal(['hello from the phone', 'hello from the phone']);
  });

  it('stores a WebSocket message over the inline limit in a file of its own, both directions, and reads back whole', async () => {
    const payload = Buffer.alloc(100_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 13) & 0xff;
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: sidecar.port });
      const timer = setTimeout(() => { socket.destroy(); reject(new Error('WebSocket round trip timed out')); }, 15_000);
      let buffer = Buffer.alloc(0);
      let upgraded = false;
      socket.once('connect', () => socket.write('GET http://ws.example/big HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          upgraded = true;
          buffer = buffer.subarray(end + 4);
          // A masked binary frame with a 64-bit length (RFC 6455 §5.2).
          const head = Buffer.alloc(14);
          head[0] = 0x82;
          head[1] = 0x80 | 127;
          head.writeBigUInt64BE(BigInt(payload.length), 2);
          const mask = Buffer.from([1, 2, 3, 4]);
          mask.copy(head, 10);
          socket.write(Buffer.concat([head, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
        }
        // The echo: an unmasked frame, 64-bit length.
        if (buffer.length < 10) return;
        const length = Number(buffer.readBigUInt64BE(2));
        if (buffer.length < 10 + length) return;
        clearTimeout(timer);
        socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
        resolve(buffer.subarray(10, 10 + length));
      });
      socket.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
    expect(echoed.equals(payload)).to.equal(true);
    const flow = (await flowsWhen(out, (f) => f.path === '/big' && (f.websocket?.messages.length ?? 0) >= 2)).find((f) => f.path === '/big')!;
    const messages = flow.websocket!.messages;
    expect(messages.map((m) => m.direction)).to.deep.equal(['sent', 'received']);
    for (const [i, message] of messages.entries()) {
      expect(message.body.file, 'a file of its own').to.equal(`bodies/${flow.id}.ws${i}`);
      expect(message.body.inline).to.equal(undefined);
      expect((await readBody(out, message.body)).equals(payload)).to.equal(true);
    }
  });

  it('writes capture-start and a heartbeat every heartbeatMs', async () => {
    await new Promise((r) => setTimeout(r, 350));
    const markers = await readMarkers(out);
    expect(markers[0]?.kind).to.equal('capture-start');
    expect(markers.filter((m) => m.kind === 'capture-heartbeat').length).to.be.at.least(2);
  });

  it('refuses an occupied port with a one-line error naming it', async () => {
    const other = new CaptureSidecar({ out: `${tmp.dir}/cap2`, port: sidecar.port, home: `${tmp.dir}/home` });
    const error = await other.start().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.match(new RegExp(`port ${sidecar.port} on 127\\.0\\.0\\.1 is already in use`));
  });

  it('refuses an unwritable capture folder with a one-line error naming it', async () => {
    const other = new CaptureSidecar({ out: '/proc/phonehome-cannot-write-here', port: 0, home: `${tmp.dir}/home` });
    const error = await other.start().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.match(/cannot create capture folder \/proc\/phonehome-cannot-write-here/);
  });
});

