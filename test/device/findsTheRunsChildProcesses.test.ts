import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { childrenListed, childrenOf } from '../../harness/device/processLedger.js';

/** The slow way the ledger used to find children: every process's /proc/N/stat, by its ppid. */
function childrenByScan(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) out.push(Number(name));
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

describe("the run's process ledger finds the run's children from the kernel's per-thread lists", () => {
  const started: ChildProcess[] = [];
  let fromWorker: number | undefined;
  let worker: Worker | undefined;

  before(async () => {
    // A child with a grandchild (which is not ours), and a child spawned from a worker thread
    // (the kernel lists it under that thread, not the main one).
    const parent = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    started.push(parent, spawn('sleep', ['30'], { stdio: 'ignore' }));
    worker = new Worker(
      "const { spawn } = require('node:child_process'); const { parentPort } = require('node:worker_threads'); const c = spawn('sleep', ['30'], { stdio: 'ignore' }); parentPort.postMessage(c.pid); parentPort.on('message', () => { c.kill(); process.exit(0); });",
      { eval: true },
    );
    [fromWorker] = (await once(worker, 'message')) as [number];
    // Let sh start its sleep.
    for (let i = 0; i < 50 && childrenByScan(parent.pid!).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  });

  after(async () => {
    for (const c of started) c.kill();
    if (worker) {
      worker.postMessage('stop');
      await once(worker, 'exit');
    }
  });

  it('lists the same children as a scan of every process, the worker thread\'s child included and no grandchild', () => {
    const listed = childrenListed(process.pid);
    expect(listed, 'this kernel has /proc/PID/task/TID/children').to.not.equal(undefined);
    const scanned = childrenByScan(process.pid);
    expect([...listed!].sort()).to.deep.equal([...scanned].sort());
    for (const c of started) expect(listed).to.include(c.pid);
    expect(listed).to.include(fromWorker);
    const grandchildren = childrenByScan(started[0]!.pid!);
    expect(grandchildren).to.have.length(1);
    expect(listed).to.not.include(grandchildren[0]);
    expect(childrenOf(process.pid).sort()).to.deep.equal([...listed!].sort());
  });

  it('says undefined for a process that is gone, and childrenOf then finds none', async () => {
    const gone = spawn('true');
    await once(gone, 'exit');
    expect(childrenListed(gone.pid!)).to.equal(undefined);
    expect(childrenOf(gone.pid!)).to.deep.equal([]);
  });
});
