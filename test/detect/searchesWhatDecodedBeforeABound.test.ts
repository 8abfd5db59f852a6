import { expect } from 'chai';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../harness/cli/main.js';
import { MarkerWriter } from '../../harness/capture/index.js';
import type { Flow } from '../../harness/capture/types.js';
import { analyseCaptureFolder, EXIT_INCOMPLETE, LeakFinder, type Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const T = Date.UTC(2026, 0, 5, 10, 0, 0);
const TOKEN = 'phcq7zk2xw4m9bomb';

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const bombs = new Map<string, Buffer>();
/** A gzip stream whose first bytes hold the token, then 64 MB of '0' (~1000x): far past 100x expansion. */
function bombWithCanaryFirst(canary: string | undefined): Buffer {
  const key = canary ?? '';
  const head = Buffer.from(canary ? `{"u":"https://news.example.com/?phc=${canary}","pad":"` : '{"pad":"');
  if (!bombs.has(key)) bombs.set(key, gzipSync(Buffer.concat([head, Buffer.alloc(64 * 1024 * 1024, 0x30)]), { level: 9 }));
  return bombs.get(key)!;
}

/** A capture folder: heartbeats over the visit, the visit, and the given flows and body files. */
async function captureFolder(root: string, name: string, flows: Flow[], bodies: Record<string, Buffer | { sparse: number; head: Buffer }>): Promise<{ dir: string; visit: Visit }> {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'bodies'), { recursive: true });
  const visit: Visit = { id: 'v1', device: 'sim-1', browser: 'mint', mode: 'normal', url: `https://news.example.com/?phc=${TOKEN}`, canaries: [{ kind: 'visit-token', value: TOKEN }], t0: T + 1000, t1: T + 2000 };
  const markers = new MarkerWriter(dir);
  markers.write({ time: T, kind: 'capture-start' });
  for (let t = T + 1000; t < T + 20_000; t += 1000) markers.write({ time: t, kind: 'capture-heartbeat' });
  markers.write({ time: T + 20_000, kind: 'capture-stop' });
  markers.write({ time: T + 1000, kind: 'visit-start', visitId: 'v1', data: visit as unknown as Record<string, unknown> });
  markers.write({ time: T + 2000, kind: 'visit-end', visitId: 'v1' });
  await markers.close();
  for (const [file, body] of Object.entries(bodies)) {
    if (Buffer.isBuffer(body)) writeFileSync(path.join(dir, file), body);
    else {
      // A sparse file: its head written, the rest a hole read as zeros (no 65 MB written to disk).
      const fd = openSync(path.join(dir, file), 'w');
      writeSync(fd, body.head);
      ftruncateSync(fd, body.sparse);
      closeSync(fd);
    }
  }
  writeFileSync(path.join(dir, 'flows.jsonl'), flows.map((f) => JSON.stringify(f)).join('\n') + '\n');
  return { dir, visit };
}

function fileFlow(id: string, file: string, size: number, headers: Array<[string, string]>): Flow {
  const f = makeFlow({ id, host: 'tracking.vendor.example', path: '/t', startedAt: T + 1500, headers });
  return { ...f, request: { headers, body: { size, file } } };
}

describe('detect: what decoded before a bound is searched, and detect never exits 0 with flows it could not read', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'phonehome-bounds-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds a canary at the start of a gzip stream that then passes the 100x expansion bound, and reports the rest unseen', async () => {
    const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: TOKEN }] });
    const scan = await finder.scanFlow(makeFlow({ body: bombWithCanaryFirst(TOKEN), headers: [['content-encoding', 'gzip']] }));
    expect(scan.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › gzip (declared) › json.u › query[phc]']);
    expect(scan.undecodable.map((u) => u.reason)).to.have.length(1);
    expect(scan.undecodable[0]!.reason).to.match(/^gzip expands more than 100x: only its first \d+ decoded bytes were searched$/);
  });

  it('a bomb-prefixed canary: detect exits 1 (leak found) and names the incomplete flow', async () => {
    const bomb = bombWithCanaryFirst(TOKEN);
    const { dir } = await captureFolder(root, 'bomb-leak', [fileFlow('f1', 'bodies/f1.req', bomb.length, [['Content-Encoding', 'gzip']])], { 'bodies/f1.req': bomb });
    const r = recorder();
    expect(await main(['detect', dir], r.io)).to.equal(1);
    expect(r.out.join('\n')).to.match(/v1 +leaked to tracking\.vendor\.example/);
    expect(r.err).to.deep.equal(['incomplete: 1 flow could not be fully read or decoded, so no leak can be ruled out there: gzip expands more than Nx: only its first N decoded bytes were searched (1x)']);
  });

  it('a bomb with nothing found before the bound: the visit is unobservable and detect exits 3, not 0', async () => {
    const bomb = bombWithCanaryFirst(undefined);
    const { dir } = await captureFolder(root, 'bomb-clean', [fileFlow('f1', 'bodies/f1.req', bomb.length, [['Content-Encoding', 'gzip']])], { 'bodies/f1.req': bomb });
    const analysis = await analyseCaptureFolder(dir);
    expect(analysis.verdicts.map((v) => v.verdict)).to.deep.equal(['unobservable']);
    const r = recorder();
    expect(await main(['detect', dir], r.io)).to.equal(EXIT_INCOMPLETE);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/^incomplete: 1 flow could not be fully read or decoded/);
  });

  it('a body over the 64 MB read limit is read up to it and searched: a canary in it is found, the flow is incomplete', async () => {
    const head = Buffer.from(`{"u":"https://news.example.com/?phc=${TOKEN}","pad":"`);
    const size = 65 * 1024 * 1024;
    const { dir } = await captureFolder(root, 'huge', [fileFlow('f1', 'bodies/f1.req', size, [['Content-Type', 'application/json']])], { 'bodies/f1.req': { sparse: size, head } });
    const r = recorder();
    expect(await main(['detect', dir], r.io)).to.equal(1);
    expect(r.out.join('\n')).to.match(/visit-token:phcq7zk2xw4m9bomb +third-party +tracking\.vendor\.example/);
    expect(r.err[0]).to.match(/^incomplete: 1 flow .*body is N bytes; only its first N were read and searched/);
  });

  it('a body over a smaller read limit, with no canary in what was read: unobservable, detect exits 3', async () => {
    const body = Buffer.concat([Buffer.alloc(2 * 1024 * 1024, 0x61), Buffer.from(`phc=${TOKEN}`)]);
    const { dir } = await captureFolder(root, 'over-limit', [fileFlow('f1', 'bodies/f1.req', body.length, [])], { 'bodies/f1.req': body });
    const limited = await analyseCaptureFolder(dir, { maxBodyBytes: 1024 * 1024 });
    expect(limited.findings).to.deep.equal([]);
    expect(limited.undecodable.map((u) => u.reason)).to.deep.equal([`body is ${body.length} bytes; only its first 1048576 were read and searched (the body-size limit)`]);
    expect(limited.verdicts.map((v) => v.verdict)).to.deep.equal(['unobservable']);
    // Within the default limit the same body is read whole and the canary found.
    const whole = await analyseCaptureFolder(dir);
    expect(whole.findings.map((f) => f.canary.value)).to.deep.equal([TOKEN]);
    expect(whole.undecodable).to.deep.equal([]);
  });
});
