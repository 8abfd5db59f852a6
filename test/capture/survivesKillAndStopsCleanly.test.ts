import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { CA_CERT_FILE, ProxyTunnelAgent, captureToHar, readBody, readFlows, readMarkers } from '../../harness/capture/index.js';
import { BIN, close, collectFlows, eventually, httpViaProxy, listen, openWebSocket, request, selfSignedOriginCert, startCaptureProcess, tempDir } from './captureTestKit.js';

describe('phonehome capture as a sidecar process', function () {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir('proc'); });
  afterEach(() => tmp.remove());

  it('prints one ready line with the port, and SIGKILL mid-load keeps every completed flow', async () => {
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    expect(ready).to.include({ ready: true, out, pid: child.pid });
    expect(ready.port).to.be.above(0);

    const completed: string[] = [];
    let failures = 0;
    // Four concurrent senders; the kill lands while requests are in flight.
    const sender = async (n: number) => {
      for (let i = 0; ; i++) {
        const token = `t${n}-${i}`;
        try {
          await httpViaProxy(ready.port, `http://load.example/p?token=${token}`, { method: 'POST', agent: false }, `body-${token}`);
          completed.push(token);
        } catch {
          failures++;
          return;
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    // Kill once enough requests completed (not after a fixed time: a loaded machine may answer few in
    // 400 ms); the senders keep going, so the kill still lands while requests are in flight.
    await moreThan(completed, 20, 30_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await Promise.all(senders);

    expect(completed.length).to.be.above(20);
    const recorded = new Set((await collectFlows(out)).map((f) => f.query.replace('token=', '')));
    const lost = completed.filter((t) => !recorded.has(t));
    expect(lost, `${lost.length} of ${completed.length} completed requests missing`).to.deep.equal([]);
    const markers = await readMarkers(out);
    expect(markers[0]?.kind).to.equal('capture-start');
    expect(markers.some((m) => m.kind === 'capture-stop')).to.equal(false);
  });

  it('in live mode too, SIGKILL mid-load keeps every completed flow', async () => {
    const cert = selfSignedOriginCert(tmp.dir);
    writeFileSync(path.join(tmp.dir, 'origin.pem'), cert.cert);
    const origin = https.createServer(cert, (req, res) => {
      req.resume();
      // Half the answers are large enough for the shared blob file.
      const n = req.url?.includes('big') ? 100_000 : 10;
      req.on('end', () => res.writeHead(200, { 'content-length': n }).end(Buffer.alloc(n, 7)));
    });
    const originPort = await listen(origin);
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'), ['--upstream', 'live', '--upstream-ca', path.join(tmp.dir, 'origin.pem')]);
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: ready.port }, ca: readFileCa(path.join(tmp.dir, 'home')), keepAlive: true });
    const completed: string[] = [];
    const sender = async (n: number) => {
      for (let i = 0; ; i++) {
        const token = `t${n}-${i}${i % 2 ? 'big' : ''}`;
        try {
          const reply = await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, method: 'POST', path: `/p?token=${token}`, agent }, `body-${token}`);
          if (reply.status !== 200) return;
          completed.push(token);
        } catch {
          return;
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    // Kill once enough requests completed (not after a fixed time: a loaded machine may answer few in
    // 400 ms); the senders keep going, so the kill still lands while requests are in flight.
    await moreThan(completed, 20, 30_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await Promise.all(senders);
    agent.destroy();
    await close(origin);

    expect(completed.length).to.be.above(20);
    const flows = await collectFlows(out);
    const recorded = new Map(flows.map((f) => [f.query.replace('token=', ''), f]));
    const lost = completed.filter((t) => !recorded.has(t));
    expect(lost, `${lost.length} of ${completed.length} completed requests missing`).to.deep.equal([]);
    // Every recorded body is readable in full: nothing points at bytes that never reached the disk.
    for (const token of completed) {
      const flow = recorded.get(token)!;
      expect((await readBody(out, flow.response!.body)).length).to.equal(token.endsWith('big') ? 100_000 : 10);
    }
  });

  it('keeps an open WebSocket\'s messages when the sidecar is killed, and readers mark it open', async () => {
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    const ws = await openWebSocket(ready.port, 'ws://chat.example/live?room=9');
    for (const text of ['one', 'two', 'three']) {
      ws.send(text);
      expect(await ws.next()).to.equal(text); // the sink echoes
    }
    // While it is open, readers already see it, marked open, with its messages so far (each message
    // is appended as mockttp reports it, right after relaying it).
    const during = await eventually(async () => {
      const f = (await collectFlows(out)).find((x) => x.host === 'chat.example');
      return f?.websocket?.messages.length === 6 ? f : undefined;
    }, 'the six messages on disk');
    expect(during.websocket?.open).to.equal(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    ws.destroy();

    const flows: Awaited<ReturnType<typeof collectFlows>> = [];
    for await (const f of readFlows(out)) flows.push(f);
    expect(flows).to.have.length(1);
    const flow = flows[0]!;
    expect(flow).to.include({ scheme: 'ws', host: 'chat.example', path: '/live', query: 'room=9' });
    expect(flow.websocket?.open).to.equal(true);
    expect(flow.error).to.match(/open/);
    const texts = await Promise.all(flow.websocket!.messages.map(async (m) => `${m.direction}:${(await readBody(out, m.body)).toString()}`));
    expect(texts).to.deep.equal(['sent:one', 'received:one', 'sent:two', 'received:two', 'sent:three', 'received:three']);
    const har = await captureToHar(out);
    expect(har.log.entries).to.have.length(1);
    expect((har.log.entries[0] as unknown as { _webSocketMessages: unknown[] })._webSocketMessages).to.have.length(6);
  });

  it('stops cleanly on SIGTERM, writing capture-stop, exit code 0', async () => {
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    await httpViaProxy(ready.port, 'http://one.example/');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).to.equal(0);
    const markers = await readMarkers(out);
    expect(markers.at(-1)?.kind).to.equal('capture-stop');
    expect((await collectFlows(out)).map((f) => f.host)).to.deep.equal(['one.example']);
  });

  it('exits 2 with one line naming the port when it is occupied', async () => {
    const out = path.join(tmp.dir, 'cap');
    const first = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    const second = spawn(process.execPath, [BIN, 'capture', '--port', String(first.ready.port), '--out', path.join(tmp.dir, 'cap2')], {
      env: { ...process.env, PHONEHOME_HOME: path.join(tmp.dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const [code] = (await once(second, 'exit')) as [number];
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    expect(code).to.equal(2);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(new RegExp(`port ${first.ready.port} on 127\\.0\\.0\\.1 is already in use`));
  });
});

function readFileCa(home: string): string {
  return readFileSync(path.join(home, CA_CERT_FILE), 'utf8');
}

/** Resolves once `list` holds more than `n` items, or after timeoutMs (the assertion after says how many). */
async function moreThan(list: readonly unknown[], n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (list.length <= n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
