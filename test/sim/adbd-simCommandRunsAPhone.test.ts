import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { testProfile } from './adbd-support/testPhones.js';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

function runSim(args: string[]): { child: ChildProcess; lines: string[]; errors: string[]; waitFor: (re: RegExp, ms?: number) => Promise<string>; exit: Promise<number> } {
  const child = spawn(process.execPath, [PHONEHOME_BIN, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const errors: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => errors.push(...d.toString().split('\n').filter(Boolean)));
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const waitFor = async (re: RegExp, ms = 15000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = lines.find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no line matching ${re} (stdout: ${lines.join(' | ')}; stderr: ${errors.join(' | ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, errors, waitFor, exit };
}

describe('phonehome sim: one phone per process, logging every shell command', function () {
  this.timeout(40000);
  const adb = new PrivateAdb();
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-sim-'));
    await adb.start();
  });
  after(async () => {
    await adb.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from a profile file, serves adb, logs known and unknown commands, and stops on SIGTERM', async () => {
    const file = join(dir, 'phone.json');
    writeFileSync(file, JSON.stringify(testProfile({ model: 'Redmi Note 8' }, 'cli-phone')));
    const sim = runSim(['--profile', file, '--port', '0']);
    try {
      const ready = await sim.waitFor(/^phonehome sim: ready /);
      const serial = /ready (\S+)/.exec(ready)![1]!;
      expect(ready).to.contain('profile=cli-phone');
      await adb.connect(serial);
      expect((await adb.shell(serial, 'getprop ro.product.model')).stdout).to.equal('Redmi Note 8\n');
      expect((await adb.shell(serial, 'bogus-tool --x')).code).to.equal(127);
      await sim.waitFor(/^shell: getprop ro\.product\.model$/);
      await sim.waitFor(/^shell UNKNOWN \(bogus-tool\): bogus-tool --x$/);
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exit).to.equal(0);
    expect(sim.lines.some((l) => l.startsWith('phonehome sim: stopped'))).to.equal(true);
  });

  it('exits 2 with a one-line error for a missing --profile, a bad profile file and a busy port', async () => {
    const missing = runSim([]);
    expect(await missing.exit).to.equal(2);
    expect(missing.errors.join('\n')).to.match(/--profile is required/);

    const badFile = join(dir, 'bad.json');
    writeFileSync(badFile, '{"name": "x"');
    const bad = runSim(['--profile', badFile]);
    expect(await bad.exit).to.equal(2);
    expect(bad.errors).to.have.length(1);
    expect(bad.errors[0]).to.contain(badFile);

    const first = runSim(['--profile', join(dir, 'phone.json'), '--port', '0']);
    try {
      const port = /ready \S+:(\d+)/.exec(await first.waitFor(/ready/))![1]!;
      const second = runSim(['--profile', join(dir, 'phone.json'), '--port', port]);
      expect(await second.exit).to.equal(2);
      expect(second.errors.join('\n')).to.match(/already in use: pick another --port/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exit;
    }
  });
});
