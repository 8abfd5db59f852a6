import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../harness/report/types.js';
import { phonehome, writeSimDevices } from './simPhones.js';

const SUITE = path.resolve('test/scenario/suites/capture-loss-mid-run.ts');

describe('capture loss mid-run makes every later visit unobservable (issue 13)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-loss-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sidecar sockets destroyed and the tunnel stopped: later visits unobservable with the reason, every "did not leak" fails', async () => {
    const devices = path.join(dir, 'devices.json');
    await writeSimDevices(devices, [{ name: 'control', profile: 'clean-control' }]);
    const reports = path.join(dir, 'reports');
    const result = await phonehome(['run', SUITE, '--browser', 'mint', '--mode', 'normal', '--devices', devices, '--out', reports], { cwd: dir, timeoutMs: 170_000 });
    const explain = `exit ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`;
    expect(result.code, explain).to.equal(1); // assertion failures, not a harness failure
    const run = JSON.parse(await readFile(path.join(reports, 'latest', 'run.json'), 'utf8')) as RunRecord;
    const tests = run.suites.find((s) => s.name === 'capture-loss-mid-run')!.tests;
    const byTitle = new Map(tests.map((t) => [t.title, t]));
    const before = byTitle.get('before the fault: a visit is captured and did not leak')!;
    expect(before.state, before.error?.message).to.equal('passed');
    expect(byTitle.get("fault: the sidecar's sockets are destroyed and the phone's tunnel stopped")!.state).to.equal('passed');
    const later = tests.filter((t) => t.title.startsWith('after the fault: visit'));
    expect(later).to.have.length(3);
    for (const t of later) {
      expect(t.state, t.title).to.equal('failed');
      expect(t.error!.message, t.title).to.match(/unobservable/);
      expect(t.error!.message, t.title).to.match(/never reached the capture/);
      // Route liveness: what the phone sent through its route (probes) stopped arriving, or failed.
      expect(t.error!.message, t.title).to.match(/the phone's route to the capture (was silent from \S+ to \S+|failed at \S+: a probe the phone sent through its proxy route did not arrive)/);
    }
    // Identifiers: judged on the route too, not on heartbeats alone.
    const imeiBefore = byTitle.get('before the fault: the IMEI reached no host')!;
    expect(imeiBefore.state, imeiBefore.error?.message).to.equal('passed');
    const imeiAfter = byTitle.get('after the fault: the IMEI reached no host')!;
    expect(imeiAfter.state).to.equal('failed');
    expect(imeiAfter.error!.message).to.match(/cannot show that imei \d+ of control did not leak to \/\.\/: its verdict is unobservable \(.*the phone's route to the capture (was silent|failed at).*so imei \d+ of control may have been sent unseen/);
    const verdictOf = new Map(run.visits.map((v) => [v.id, v]));
    const beforeVisits = before.visitIds.map((id) => verdictOf.get(id)!);
    expect(beforeVisits.map((v) => v.verdict)).to.deep.equal(['not-leaked']);
    const laterVisits = later.flatMap((t) => t.visitIds).map((id) => verdictOf.get(id)!);
    expect(laterVisits).to.have.length(3);
    for (const v of laterVisits) {
      expect(v.verdict, JSON.stringify(v)).to.equal('unobservable');
      const reasons = (v.reasons ?? []).join('\n');
      expect(reasons).to.match(/the visited page itself \(https?:\/\/[^)]+\) never reached the capture between /);
      expect(reasons).to.match(/the phone's route to the capture (was silent from|failed at)/);
    }
    // The browser showed its network error page for the later visits: each is an error-page blind spot.
    const errorPages = laterVisits.filter((v) => (v.reasons ?? []).some((r) => /^error-page for .*: the browser showed its network error page ERR_[A-Z_]+ instead of the page/.test(r)));
    console.log(`      [figures] later visits: ${laterVisits.length} unobservable, ${errorPages.length} with an error page; route reasons: ${laterVisits.filter((v) => (v.reasons ?? []).some((r) => r.includes("phone's route"))).length}`);
  });
});
