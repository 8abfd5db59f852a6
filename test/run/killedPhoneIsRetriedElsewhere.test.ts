import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../harness/report/types.js';
import { runRecordErrors } from '../../harness/report/index.js';
import { killGroup, phonehome, startSim, writeDevices } from './farmPhones.js';

describe('a farm run where one of three phones dies mid-run', function () {
  this.timeout(200_000);
  let dir: string;
  const sims: Array<Awaited<ReturnType<typeof startSim>>> = [];
  let run: RunRecord;
  let code: number | null;
  let output: string;
  let killed: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-farm-kill-'));
    for (let i = 0; i < 3; i++) sims.push(await startSim('redmi-note-8-2020', dir));
    const devices = path.join(dir, 'devices.json');
    await writeDevices(devices, sims.map((s, i) => ({ name: `farm-${i + 1}`, serial: s.serial, tags: ['farm', 'redmi-note-8-2020'] })));
    const p = phonehome(['run', 'smoke', '--devices', devices, '--device', 'tag:farm', '--parallel', '3', '--out', path.join(dir, 'reports')], dir);
    try {
      // Mid-run: the first phone to open a browser session is killed while its test runs.
      const deadline = Date.now() + 120_000;
      let m: RegExpExecArray | null = null;
      while (Date.now() < deadline && !(m = /\[(farm-\d)\] Appium at/.exec(p.output()))) await new Promise((r) => setTimeout(r, 100));
      expect(m, `no phone opened a browser:\n${p.output()}`).to.not.equal(null);
      killed = m![1]!;
      await sims[Number(killed.slice(-1)) - 1]!.stop();
      code = await p.done;
    } finally {
      killGroup(p.child);
    }
    output = p.output();
    run = JSON.parse(await readFile(path.join(dir, 'reports', 'latest', 'run.json'), 'utf8')) as RunRecord;
  });
  after(async () => {
    for (const s of sims) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes: every planned test passed on a live phone, the lost one after a retry', () => {
    expect(runRecordErrors(run)).to.deep.equal([]);
    expect(code, output).to.equal(0);
    expect(output).to.match(new RegExp(`\\[${killed}\\] quarantined`));
    const tests = run.suites.flatMap((s) => s.tests);
    const titles = [...new Set(tests.map((t) => t.fullTitle))];
    expect(titles, 'smoke: one phone-level test and one per browser (the three Xiaomi browsers and the Chrome control)').to.have.length(5);
    for (const title of titles) {
      const passed = tests.filter((t) => t.fullTitle === title && t.state === 'passed');
      expect(passed, `${title} passed exactly once`).to.have.length(1);
    }
    const lost = tests.filter((t) => t.lost !== undefined);
    expect(lost.length, 'the attempt on the killed phone is recorded').to.be.greaterThan(0);
    for (const t of lost) {
      expect(t.state, 'a lost attempt is never a pass').to.equal('pending');
      expect(t.device).to.equal(killed);
      const retry = tests.find((o) => o.fullTitle === t.fullTitle && o.state === 'passed')!;
      expect(retry.device, 'retried on another phone').to.not.equal(killed);
    }
  });

  it('reports nothing clean that was not observed: the killed phone\'s lost visits are unobservable', () => {
    const lostVisits = new Set(run.suites.flatMap((s) => s.tests).filter((t) => t.lost).flatMap((t) => t.visitIds));
    const onKilled = run.visits.filter((v) => v.device === killed);
    for (const v of onKilled) if (lostVisits.has(v.id)) expect(v.verdict, `${v.id}: ${v.reasons.join('; ')}`).to.equal('unobservable');
    expect(run.blindSpots.some((b) => b.device === killed && b.reason === 'device-lost')).to.equal(true);
    // Every visit of a test that passed was observed.
    const passedVisits = new Set(run.suites.flatMap((s) => s.tests).filter((t) => t.state === 'passed').flatMap((t) => t.visitIds));
    for (const v of run.visits.filter((x) => passedVisits.has(x.id))) expect(v.verdict, v.id).to.not.equal('unobservable');
  });
});
