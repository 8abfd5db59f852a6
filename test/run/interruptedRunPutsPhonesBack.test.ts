import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pidListeningOn } from '../../harness/device/index.js';
import type { RunRecord } from '../../harness/report/types.js';
import { killGroup } from './farmPhones.js';
import { openLab, proxySettings, readRunJson, reportFiles, runOnLab, waitFor, writeSuite, type Lab } from './lifecycleKit.js';

/**
 * Ctrl-C during the suites, for one phone and for two (one lifecycle, the same outcome): the phones
 * are put back as found, the report is written from what was captured (run.json `incomplete`), and
 * the signal then ends the process as it would have.
 */
for (const phones of [1, 2]) {
  describe(`phonehome run interrupted by SIGINT (${phones} phone${phones > 1 ? 's' : ''})`, function () {
    this.timeout(200_000);
    let lab: Lab;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    let output: string;
    let run: RunRecord;
    let proxiesBefore: string[];

    before(async () => {
      lab = await openLab('phonehome-sigint-', phones);
      proxiesBefore = await proxySettings(lab);
      const suite = await writeSuite(lab, 'waits', "console.log(`waiting on ${phone.name}`);\n        await new Promise((r) => setTimeout(r, 90_000));");
      const p = runOnLab(lab, suite);
      const exited = new Promise<typeof exit>((resolve) => p.child.once('exit', (code, signal) => resolve({ code, signal })));
      try {
        await waitFor(`${phones} suites waiting`, () => (p.output().match(/^waiting on /gm) ?? []).length === phones, p.output);
        p.child.kill('SIGINT');
        exit = await exited;
      } finally {
        killGroup(p.child);
      }
      output = p.output();
      run = await readRunJson(lab).catch((error: Error) => { throw new Error(`${error.message}\n--- run output:\n${output}`); });
    });
    after(async () => {
      await lab?.close();
    });

    it('ends by the signal, after putting every phone back', async () => {
      expect(exit, output).to.deep.equal({ code: null, signal: 'SIGINT' });
      expect(output).to.match(/SIGINT: undoing provisioning before exiting/);
      expect(output).not.to.match(/undo (CA|proxy) on|did not stop cleanly/);
      expect(await proxySettings(lab)).to.deep.equal(proxiesBefore);
    });

    it('leaves no adb server on the run\'s private port (a call still in flight must not start one)', async () => {
      const journal = await readFile(path.join(lab.dir, 'reports', 'latest', 'journal.jsonl'), 'utf8');
      const port = journal.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; port?: number }).find((e) => e.type === 'adb-server')?.port;
      expect(port, 'the journal names the run\'s adb server').to.be.a('number');
      // A server that a late call started would be listening within a second (it detaches; the run's group is gone).
      await new Promise((r) => setTimeout(r, 1000));
      expect(pidListeningOn(port!), `an adb server listens on the run's port ${port}`).to.equal(undefined);
    });

    it('writes the report from what was captured, with run.json status incomplete', async () => {
      expect(await reportFiles(lab)).to.include.members(['run.json', 'junit.xml', 'index.html', 'traffic.har']);
      expect(run.status).to.equal('incomplete');
      expect(run.phones.map((p) => p.name).sort()).to.deep.equal(lab.names);
      expect(output).to.match(/^report: .*index\.html$/m);
    });
  });
}
