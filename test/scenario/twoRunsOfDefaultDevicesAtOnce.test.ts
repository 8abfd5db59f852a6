import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../harness/report/types.js';
import { phonehome } from './simPhones.js';

const SHIPPED = path.resolve('devices.json');

describe('two runs of the shipped devices.json on one machine at once (ports allocated at run time)', function () {
  this.timeout(240_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-two-runs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('both smoke runs pass, each on its own phone port', async () => {
    const run = (n: number) => phonehome(['run', 'smoke', '--browser', 'mint', '--mode', 'normal', '--devices', SHIPPED, '--out', path.join(dir, `reports-${n}`)], { cwd: dir, timeoutMs: 200_000 });
    const results = await Promise.all([run(1), run(2)]);
    const serials: string[] = [];
    for (const [i, r] of results.entries()) {
      expect(r.code, `run ${i + 1}: exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).to.equal(0);
      const record = JSON.parse(await readFile(path.join(dir, `reports-${i + 1}`, 'latest', 'run.json'), 'utf8')) as RunRecord;
      serials.push(...record.phones.map((p) => p.serial));
    }
    expect(serials).to.have.length(2);
    for (const s of serials) expect(s).to.match(/^127\.0\.0\.1:\d+$/);
    expect(serials[0]).to.not.equal(serials[1]);
  });
});
