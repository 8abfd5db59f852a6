import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { readBlindSpots, readMarkers } from '../../harness/capture/index.js';
import { ClusterSidecar } from '../../harness/capture/clusterSidecar.js';
import { BIN, collectFlows, eventually, httpViaProxy, tempDir } from './captureTestKit.js';

/** Lines per flows file of a capture folder (flows.jsonl and flows.<shard>.jsonl). */
function linesPerFlowsFile(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir).filter((n) => /^flows(\..+)?\.jsonl$/.test(n))) {
    out[name] = readFileSync(path.join(dir, name), 'utf8').split('\n').filter((l) => l.length > 0).length;
  }
  return out;
}

describe('the capture sidecar on every core (ClusterSidecar)', function () {
  // Forking workers that load mockttp from the TypeScript sources is slow on a loaded 2-core machine.
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: ClusterSidecar;
  let out: string;

  before(async () => {
    tmp = tempDir('cluster');
    out = path.join(tmp.dir, 'cap');
    sidecar = new ClusterSidecar({ out, home: path.join(tmp.dir, 'home'), workers: 2 });
    await sidecar.start();
  });
  after(async () => {
    await sidecar?.stop();
    tmp?.remove();
  });

  it('records every exchange across its workers, each in its own flows file, and readFlows merges them', async () => {
    expect(sidecar.pids).to.have.length(2);
    // A keep-alive client with ten connections: the cluster hands connections to workers in turn.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    const tokens = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const replies = await Promise.all(tokens.map((t) => httpViaProxy(sidecar.port, `http://spread.example/p?token=${t}`, { agent })));
    agent.destroy();
    expect(replies.every((r) => r.status > 0)).to.equal(true);
    const files = linesPerFlowsFile(out);
    expect(Object.keys(files).sort()).to.deep.equal(['flows.1.jsonl', 'flows.2.jsonl']);
    expect(files['flows.1.jsonl'], 'worker 1 served some').to.be.above(0);
    expect(files['flows.2.jsonl'], 'worker 2 served some').to.be.above(0);
    const recorded = (await collectFlows(out)).map((f) => f.query.replace('token=', '')).filter((t) => t.startsWith('k'));
    expect(recorded.sort()).to.deep.equal([...tokens].sort());
  });

  it('writes one heartbeat for all workers, not one each', async () => {
    await new Promise((r) => setTimeout(r, 3500));
    const markers = await readMarkers(out);
    expect(markers.filter((m) => m.kind === 'capture-start')).to.have.length(1);
    const beats = markers.filter((m) => m.kind === 'capture-heartbeat');
    expect(beats.length).to.be.at.least(2);
    expect(beats.every((b) => b.data?.workers === 2)).to.equal(true);
    // At most one per interval (1 s): two workers beating on their own would give pairs.
    for (let i = 1; i < beats.length; i++) expect(beats[i]!.time - beats[i - 1]!.time).to.be.at.least(500);
  });

  it('SIGKILL of a worker mid-load loses nothing answered, leaves a capture-down blind spot, and the worker is replaced', async () => {
    const [victim] = sidecar.pids;
    const completed: string[] = [];
    let failures = 0;
    let killed = false;
    let afterKill = 0;
    // Four senders, a new connection per request (so both workers keep getting some), until 1.5 s after the kill.
    let stopAt = Infinity;
    const sender = async (n: number) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const token = `s${n}-${i}`;
        try {
          await httpViaProxy(sidecar.port, `http://kill.example/p?token=${token}`, { method: 'POST', agent: false }, `body-${token}`);
          completed.push(token);
          if (killed) afterKill++;
        } catch {
          failures++;
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    await eventually(async () => (completed.length >= 40 ? true : undefined), '40 answered requests before the kill', 60_000);
    process.kill(victim!, 'SIGKILL');
    killed = true;
    stopAt = Date.now() + 1500;
    await Promise.all(senders);

    expect(afterKill, 'the surviving worker kept answering').to.be.above(0);
    const recorded = new Set((await collectFlows(out)).map((f) => f.query.replace('token=', '')));
    const lost = completed.filter((t) => !recorded.has(t));
    expect(lost, `${lost.length} of ${completed.length} answered requests missing (${failures} failed)`).to.deep.equal([]);
    const downs = (await readBlindSpots(out)).filter((b) => b.reason === 'capture-down');
    expect(downs).to.have.length(1);
    expect(downs[0]!.detail).to.include(`pid ${victim}`).and.include('SIGKILL');
    const pids = await eventually(async () => (sidecar.pids.length === 2 ? sidecar.pids : undefined), 'a replacement worker', 120_000);
    expect(pids).not.to.include(victim);
    // The replacement writes a flows file of its own: the victim's file (torn last line or not) stays the victim's.
    const reply = await httpViaProxy(sidecar.port, 'http://after.example/p?token=after', { agent: false });
    expect(reply.status).to.be.above(0);
    expect(Object.keys(linesPerFlowsFile(out)).sort()).to.deep.equal(['flows.1.jsonl', 'flows.2.jsonl', 'flows.3.jsonl']);
  });

  it('phonehome capture --workers 2 prints its workers, records through them and stops cleanly on SIGTERM', async () => {
    const cliOut = path.join(tmp.dir, 'cli');
    const child = spawn(process.execPath, [BIN, 'capture', '--port', '0', '--workers', '2', '--out', cliOut], {
      env: { ...process.env, PHONEHOME_HOME: path.join(tmp.dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), once(child, 'exit').then(() => { throw new Error(`capture exited early: ${stderr}`); })])) as [string];
    const ready = JSON.parse(line) as { port: number; pid: number; workers: number[] };
    expect(ready.pid).to.equal(child.pid);
    expect(ready.workers).to.have.length(2);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => httpViaProxy(ready.port, `http://cli.example/p?token=c${i}`, { agent })));
    agent.destroy();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stderr).to.equal(0);
    expect((await collectFlows(cliOut)).filter((f) => f.host === 'cli.example')).to.have.length(20);
    const kinds = (await readMarkers(cliOut)).map((m) => m.kind);
    expect(kinds[0]).to.equal('capture-start');
    expect(kinds[kinds.length - 1]).to.equal('capture-stop');
    // Its workers are gone with it.
    for (const pid of ready.workers) expect(() => process.kill(pid, 0)).to.throw();
  });
});
