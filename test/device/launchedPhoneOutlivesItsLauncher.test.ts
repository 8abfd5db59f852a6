import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const FIXTURE = path.resolve('test/device/fixtures/launchThenWait.ts');

/** Running, not a zombie (an orphan's zombie stays until its new parent reaps it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Starts a launcher, SIGKILLs it once its phone runs, and says whether the phone is still up 600 ms later. */
async function killLauncher(logFile: string, mode: 'log' | 'pipe'): Promise<{ phoneAlive: boolean; pid: number }> {
  const launcher = spawn(process.execPath, ['--import', 'tsx', FIXTURE, logFile, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`launcher printed no pid: ${out}`)), 20_000);
    launcher.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /pid (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise((r) => launcher.once('exit', r));
  launcher.kill('SIGKILL');
  await exited;
  await new Promise((r) => setTimeout(r, 600));
  const phoneAlive = alive(pid);
  try {
    process.kill(-pid, 'SIGKILL'); // its own process group (detached)
  } catch {
    /* gone */
  }
  return { phoneAlive, pid };
}

describe('device: a launched phone logs to the run folder and outlives its launcher', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-launch-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with a log file: the phone keeps running after its launcher is SIGKILLed, and keeps logging there', async () => {
    const logFile = path.join(dir, 'phones', 'talker.log');
    const { phoneAlive } = await killLauncher(logFile, 'log');
    expect(phoneAlive).to.equal(true);
    const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.startsWith('phone alive '));
    const last = Number(lines[lines.length - 1]!.split(' ')[2]);
    expect(lines.length).to.be.greaterThan(5);
    // It logged after the launcher was gone (600 ms of life after the kill).
    expect(Date.now() - last).to.be.lessThan(5000);
  });

  it('piped into the launcher (no log file), the same phone dies with it on EPIPE: why the run uses the log file', async () => {
    const { phoneAlive } = await killLauncher(path.join(dir, 'unused.log'), 'pipe');
    expect(phoneAlive).to.equal(false);
  });
});
