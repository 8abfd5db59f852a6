import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isSameProcess, readStat, sweepLeftovers, PROCESSES_FILE, RUN_MARKER_VARIABLE, type LedgerEntry } from '../../harness/device/index.js';

/** A `sleep` with `marker` (if any) in its environment, as a run's children carry it. */
function sleeper(marker?: string): ChildProcess {
  const env = { ...process.env };
  delete env[RUN_MARKER_VARIABLE];
  if (marker !== undefined) env[RUN_MARKER_VARIABLE] = marker;
  const child = spawn('sleep', ['60'], { env, stdio: 'ignore' });
  exits.set(child, once(child, 'exit'));
  return child;
}

/** Each sleeper's exit, awaited from its start (it may end while the sweep runs). */
const exits = new WeakMap<ChildProcess, Promise<unknown>>();

function identity(child: ChildProcess): { pid: number; startTime: string } {
  return { pid: child.pid!, startTime: readStat(child.pid!)!.startTime };
}

/** A run process that has ended: its PID and start time as the ledger's first line would hold them. */
async function endedRun(): Promise<{ pid: number; startTime: string }> {
  const child = spawn('sleep', ['0.01'], { stdio: 'ignore' });
  const who = identity(child);
  await once(child, 'exit');
  return who;
}

function writeLedger(dir: string, entries: Array<Partial<LedgerEntry>>): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, PROCESSES_FILE);
  writeFileSync(file, entries.map((e) => JSON.stringify({ role: 'x', time: Date.now(), ...e })).join('\n') + '\n');
  return file;
}

describe('the start-up sweep ends what a killed run left, and only that', function () {
  this.timeout(30_000);
  let root: string;
  const children: ChildProcess[] = [];
  const alive = (c: ChildProcess) => isSameProcess(c.pid!, identity(c).startTime);
  const start = (marker?: string) => {
    const c = sleeper(marker);
    children.push(c);
    return c;
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'phonehome-sweep-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('ends a process no ledger line names when it carries the killed run\'s marker (spawned just before the kill), and no other', async () => {
    const run = await endedRun();
    const orphan = start('run-a.1.cafe');
    const otherRun = start('run-b.2.beef');
    const unmarked = start();
    const file = writeLedger(path.join(root, 'run-a'), [{ event: 'run', ...run, marker: 'run-a.1.cafe' }]);

    const result = await sweepLeftovers(root, { graceMs: 2000 });

    expect(result.ended).to.have.length(1);
    expect(result.ended[0]).to.match(new RegExp(`marker.* ${orphan.pid}$`));
    await exits.get(orphan);
    expect(alive(otherRun), 'a process with another run\'s marker').to.equal(true);
    expect(alive(unmarked), 'a process with no marker').to.equal(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LedgerEntry);
    expect(lines.some((e) => e.event === 'ended' && e.pid === orphan.pid), 'the ledger records what the sweep ended').to.equal(true);
    expect(lines.at(-1)!.event, 'and that the run is swept, so a later sweep does not search for it again').to.equal('run-end');
  });

  it('leaves alone every process of a run that is still running (two runs writing to one reports folder)', async () => {
    const appium = start('live.3.f00d');
    const me = readStat(process.pid)!;
    writeLedger(path.join(root, 'live'), [
      { event: 'run', pid: process.pid, startTime: me.startTime, marker: 'live.3.f00d' },
      { event: 'started', ...identity(appium), role: 'appium phone' },
    ]);

    const result = await sweepLeftovers(root, { graceMs: 500 });

    expect(result.ended).to.deep.equal([]);
    expect(alive(appium)).to.equal(true);
  });

  it('ends what a ledger of a killed run records, and does not search for the marker of a run that closed its ledger', async () => {
    const run = await endedRun();
    const recorded = start();
    const afterCleanEnd = start('clean.4.abcd');
    writeLedger(path.join(root, 'killed'), [{ event: 'run', ...run, marker: 'killed.5.0000' }, { event: 'started', ...identity(recorded), role: 'appium phone' }]);
    writeLedger(path.join(root, 'clean'), [{ event: 'run', ...run, marker: 'clean.4.abcd' }, { event: 'run-end', pid: run.pid, startTime: run.startTime }]);

    const result = await sweepLeftovers(root, { graceMs: 2000 });

    expect(result.ended).to.deep.equal([`appium phone ${recorded.pid}`]);
    await exits.get(recorded);
    expect(alive(afterCleanEnd)).to.equal(true);
  });
});
