import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isSameProcess, leftovers, processesMarked, readStat, sweepLeftovers, PROCESSES_FILE, type LedgerEntry } from '../../harness/device/index.js';
import { BIN, writeSimDevices } from './simPhones.js';

/** Live processes in any of these process groups (not zombies). */
function inGroups(groups: number[]): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    const s = readStat(pid);
    return s !== undefined && s.state !== 'Z' && groups.includes(s.pgid);
  });
}

/** `PID (pgid N): command line`, so a failure names what was left. */
function describeProcess(pid: number): string {
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    cmd = '(gone)';
  }
  return `${pid} (pgid ${readStat(pid)?.pgid}, ppid ${readStat(pid)?.ppid}): ${cmd.slice(0, 200)}`;
}

function ledgerOf(reports: string): { file: string; entries: LedgerEntry[] } {
  const run = readdirSync(reports).find((n) => n !== 'latest')!;
  const file = path.join(reports, run, PROCESSES_FILE);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* not yet */
  }
  return { file, entries: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry) };
}

interface Killed { recorded: LedgerEntry[]; marker: string | undefined; byMarker: number; aliveBeforeSweep: number; aliveAfterSweep: number; groupAfterSweep: number[]; markedAfterSweep: number[]; output: string }

/** Starts `phonehome run smoke`, SIGKILLs the run process alone when `ready(output, ledger)`, then sweeps. */
async function killRunWhen(dir: string, devices: string, name: string, ready: (output: string, ledger: LedgerEntry[]) => boolean): Promise<Killed> {
  const reports = path.join(dir, `reports-${name}`);
  const child = spawn(process.execPath, [BIN, 'run', 'smoke', '--browser', 'mint', '--mode', 'normal', '--devices', devices, '--out', reports], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      const entries = (() => { try { return ledgerOf(reports).entries; } catch { return []; } })();
      if (ready(output, entries)) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the run never reached the kill point '${name}' (exit ${child.exitCode}):\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL'); // the run process only: what it started must not outlive it
    await exited;
    const { file, entries } = ledgerOf(reports);
    const aliveBeforeSweep = leftovers(file).length;
    const swept = await sweepLeftovers(reports);
    const byMarker = swept.ended.filter((e) => e.startsWith('unrecorded')).length;
    const recorded = entries.filter((e) => e.event === 'started');
    const groups = [child.pid!, ...recorded.map((e) => e.pid)];
    const marker = entries.find((e) => e.event === 'run')?.marker;
    const markedAfterSweep = marker ? processesMarked(new Set([marker])).map((p) => p.pid) : [];
    return { recorded, marker, byMarker, aliveBeforeSweep, aliveAfterSweep: recorded.filter((e) => isSameProcess(e.pid, e.startTime)).length, groupAfterSweep: inGroups(groups), markedAfterSweep, output };
  } finally {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
}

describe('a run killed with SIGKILL leaves no process behind once the start-up sweep ran', function () {
  this.timeout(400_000);
  let dir: string;
  let devices: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-ledger-'));
    devices = path.join(dir, 'devices.json');
    await writeSimDevices(devices, [{ name: 'phone', profile: 'clean-control' }]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const points: Array<[string, (out: string, ledger: LedgerEntry[]) => boolean]> = [
    ['during provisioning', (out, ledger) => ledger.some((e) => e.role.startsWith('phone ')) && !/\] ready:/.test(out)],
    ['mid-suite', (out) => /✓ smoke/.test(out)],
    ['during cleanup and reports', (out) => /\d+ passed, \d+ failed, \d+ pending/.test(out)],
  ];
  for (const [name, ready] of points) {
    it(`killed ${name}: every process it recorded (adb server, phone, Appium) is ended by the sweep, none of their groups is left`, async () => {
      const r = await killRunWhen(dir, devices, name.replace(/\W+/g, '-'), ready);
      const roles = r.recorded.map((e) => e.role);
      expect(roles, r.output).to.include('adb server');
      expect(roles.some((x) => x.startsWith('phone '))).to.equal(true);
      expect(r.aliveAfterSweep, JSON.stringify(r.recorded)).to.equal(0);
      // A process spawned just before the kill is in no ledger line (its PID came too late): the
      // run's marker in its environment is how the sweep finds it (seen in CI: Appium).
      expect(r.marker, 'the ledger names the run and its marker').to.be.a('string');
      expect(r.groupAfterSweep.map(describeProcess), 'processes left in the run\'s or its children\'s process groups').to.deep.equal([]);
      expect(r.markedAfterSweep.map(describeProcess), 'processes left carrying the run\'s marker').to.deep.equal([]);
      // eslint-disable-next-line no-console
      console.log(`      ${name}: ${r.recorded.length} recorded, ${r.aliveBeforeSweep} still running after the kill, ${r.byMarker} more found by the run's marker, ${r.aliveAfterSweep} after the sweep`);
    });
  }
});
