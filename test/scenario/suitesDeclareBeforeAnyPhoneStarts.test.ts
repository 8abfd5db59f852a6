import { expect } from 'chai';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { phonehome } from './simPhones.js';

describe('run: suites are loaded and declared before any phone is started', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-declare-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a suite that throws while declaring its tests: exit 2, one line naming the suite, and the phone was never launched', async () => {
    // The launch command leaves a mark when the run starts the phone.
    const mark = path.join(dir, 'phone-was-launched');
    const devices = path.join(dir, 'devices.json');
    await writeFile(devices, JSON.stringify({ devices: [{ name: 'marked', serial: '127.0.0.1:9', launch: { command: 'sh', args: ['-c', `touch '${mark}'; sleep 5`], readyTimeoutMs: 3000 } }] }));
    const suite = path.resolve('test/scenario/suites/throws-while-declaring.ts');
    const r = await phonehome(['run', suite, '--devices', devices, '--out', path.join(dir, 'reports')], { cwd: dir, timeoutMs: 50_000 });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^suite \S*throws-while-declaring\.ts failed while declaring its tests: .*browsers.* \(fix the suite's body; no phone was started\)$/);
    expect(await stat(mark).then(() => true, () => false), 'the phone was launched before the suite was declared').to.equal(false);
  });
});
