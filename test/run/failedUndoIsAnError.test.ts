import { expect } from 'chai';
import type { RunRecord } from '../../harness/report/types.js';
import { killGroup } from './farmPhones.js';
import { openLab, readRunJson, reportFiles, runOnLab, writeSuite, type Lab } from './lifecycleKit.js';

/**
 * A phone that cannot be put back (here: its adbd hangs once the suite is done, so undoing the
 * proxy and CA times out) is a harness error, exit 2, for one phone and for two: the run must not
 * say `passed` while a phone keeps pointing at a proxy that is gone.
 */
for (const phones of [1, 2]) {
  describe(`phonehome run whose phone cannot be put back (${phones} phone${phones > 1 ? 's' : ''})`, function () {
    this.timeout(200_000);
    let lab: Lab;
    let code: number | null;
    let output: string;
    let run: RunRecord;

    before(async () => {
      // A short adb timeout: each undo step against the hung phone gives up quickly.
      lab = await openLab('phonehome-undo-', phones, { adbTimeoutMs: 1500 });
      const pids = Object.fromEntries(lab.names.map((n, i) => [n, lab.sims[i]!.child.pid]));
      // The suite's own after() hook hangs its phone's adbd (SIGSTOP to the simulator process).
      const suite = await writeSuite(lab, 'hangs', '/* the phone was rigged: that is all this test needs */',
        "after(() => { process.kill((JSON.parse(process.env.PHONEHOME_TEST_HANG ?? '{}') as Record<string, number>)[phone.name]!, 'SIGSTOP'); });");
      const p = runOnLab(lab, suite, { PHONEHOME_TEST_HANG: JSON.stringify(pids) });
      try {
        code = await p.done;
      } finally {
        killGroup(p.child);
      }
      output = p.output();
      run = await readRunJson(lab).catch((error: Error) => { throw new Error(`${error.message}\n--- run output:\n${output}`); });
    });
    after(async () => {
      await lab?.close();
    });

    it('exits 2 and names what was left on each phone', () => {
      expect(code, output).to.equal(2);
      for (const name of lab.names) expect(output).to.match(new RegExp(`phonehome run: ${name}: undo (CA|proxy) on 127\\.0\\.0\\.1:\\d+: `));
    });

    it('still writes the report; run.json says error although every test passed', async () => {
      expect(await reportFiles(lab)).to.include.members(['run.json', 'junit.xml', 'index.html']);
      const tests = run.suites.flatMap((s) => s.tests);
      expect(tests.map((t) => t.state)).to.deep.equal(lab.names.map(() => 'passed'));
      expect(run.status).to.equal('error');
    });
  });
}
