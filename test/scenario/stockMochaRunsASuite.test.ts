import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageInfo } from '../../harness/packageInfo.js';
import type { RunRecord } from '../../harness/report/index.js';
import { openLab, proxySettings, waitFor } from '../run/lifecycleKit.js';
import { simDeviceEntries } from './simPhones.js';

const { root } = packageInfo();
const MOCHA = path.join(root, 'node_modules/mocha/bin/mocha.js');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The stock mocha CLI, as a user runs it in a clone (the repo's .mocharc.json loads tsx). */
function mocha(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MOCHA, '--require', './harness/mocha.ts', '--timeout', '120000', ...args], { cwd: root, env, timeout: 200_000, maxBuffer: 32 << 20, killSignal: 'SIGTERM' }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

function onlyRun(out: string): { dir: string; run: RunRecord; tests: RunRecord['suites'][number]['tests'] } {
  const runs = readdirSync(out).filter((d) => d !== 'latest');
  expect(runs, `one run folder in ${out}`).to.have.length(1);
  const dir = path.join(out, runs[0]!);
  const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
  return { dir, run, tests: run.suites.flatMap((s) => s.tests) };
}

// The stock `mocha` CLI with `--require` phonehome's root-hook plugin: a simulated Redmi Note 8
// that the plugin launches, rigs and puts back; mocha's own reporter, --grep, --retries; the
// phonehome run folder written in the global teardown; Ctrl-C puts the phone back. Three spawned
// runs (each 30–80 s here).
describe('the stock mocha CLI runs a suite under --require phonehome/mocha', function () {
  this.timeout(420_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'phonehome-mocha-'));
    const devices = await simDeviceEntries([{ name: 'mocha-phone', profile: 'redmi-note-8-2020' }]);
    writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ default: 'mocha-phone', devices }, null, 2));
    env = { ...process.env, PHONEHOME_DEVICES_FILE: path.join(dir, 'devices.json'), PHONEHOME_MODE: 'normal' };
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('smoke with --grep and --reporter json: mocha reports it, exits 0, and the run folder has the report', async () => {
    const out = path.join(dir, 'reports-pass');
    const result = await mocha(['scenarios/smoke.ts', '--grep', 'mint', '--reporter', 'json'], { ...env, PHONEHOME_OUT: out });
    expect(result.code, result.stderr + result.stdout).to.equal(0);
    // stdout is mocha's JSON reporter alone: phonehome's progress goes to stderr.
    const report = JSON.parse(result.stdout) as { stats: { tests: number; passes: number; failures: number }; passes: Array<{ fullTitle: string }> };
    expect(report.stats).to.include({ tests: 1, passes: 1, failures: 0 });
    expect(report.passes[0]!.fullTitle).to.match(/^smoke mocha-phone mint .*: a visit is captured$/);
    expect(result.stderr).to.match(/\[mocha-phone\] ready: /);
    const { dir: runDir, run, tests } = onlyRun(out);
    expect(run.status).to.equal('passed');
    expect(run.suites.map((s) => s.name)).to.deep.equal(['smoke']);
    expect(tests).to.have.length(1);
    expect(tests[0]).to.include({ suite: 'smoke', state: 'passed', device: 'mocha-phone' });
    expect(tests[0]!.fullTitle).to.equal(report.passes[0]!.fullTitle);
    expect(tests[0]!.visitIds).to.have.length(1);
    expect(run.visits.map((v) => v.id)).to.deep.equal(tests[0]!.visitIds);
    expect(run.visits[0]!.verdict).to.not.equal('unobservable');
    for (const file of ['junit.xml', 'traffic.har', 'index.html']) expect(readdirSync(runDir)).to.include(file);
    // The phone was put back: no proxy or CA problem was journalled.
    expect(result.stderr).to.not.match(/problem\(s\) while putting the phones back/);
  });

  it('a failing assertion fails the test and the exit code; --retries records only the last attempt', async () => {
    const out = path.join(dir, 'reports-fail');
    const suite = path.join(dir, 'fails.ts');
    writeFileSync(suite, `
import { defineSuite, expect } from ${JSON.stringify(path.join(root, 'harness/scenario/index.js'))};
let attempts = 0;
export default defineSuite({ name: 'fails', description: 'one flaky test, one wrong assertion' }, (ctx) => {
  const phone = ctx.phones[0]!;
  it('passes on its second attempt', () => {
    attempts++;
    expect(attempts, 'first attempt fails').to.equal(2);
  });
  it('asserts something false about ' + phone.name, () => {
    expect(phone.browsers()).to.include('no-such-browser');
  });
});
`);
    const result = await mocha([suite, '--retries', '1', '--reporter', 'json'], { ...env, PHONEHOME_OUT: out });
    expect(result.code, result.stderr + result.stdout).to.equal(1);
    const report = JSON.parse(result.stdout) as { stats: { passes: number; failures: number } };
    expect(report.stats).to.include({ passes: 1, failures: 1 });
    const { run, tests } = onlyRun(out);
    expect(run.status).to.equal('failed');
    expect(tests.map((t) => [t.title, t.state])).to.deep.equal([
      ['passes on its second attempt', 'passed'],
      ['asserts something false about mocha-phone', 'failed'],
    ]);
    expect(tests[1]!.error?.message).to.match(/no-such-browser/);
  });

  it('Ctrl-C mid-test puts the phone back, writes the report (incomplete) and ends by the signal', async () => {
    // A phone the test owns (not launched by the run), so its proxy setting can be read afterwards.
    const lab = await openLab('phonehome-mocha-sigint-', 1);
    try {
      const before = await proxySettings(lab);
      const suite = path.join(lab.dir, 'waits.ts');
      writeFileSync(suite, `
import { defineSuite } from ${JSON.stringify(path.join(root, 'harness/scenario/index.js'))};
export default defineSuite({ name: 'waits', description: 'waits to be interrupted' }, (ctx) => {
  it('waits on ' + ctx.phones[0]!.name, async () => {
    process.stderr.write('waiting\\n');
    await new Promise((r) => setTimeout(r, 90_000));
  });
});
`);
      const out = path.join(lab.dir, 'reports');
      const child = spawn(process.execPath, [MOCHA, '--require', './harness/mocha.ts', suite], {
        cwd: root,
        env: { ...process.env, PHONEHOME_DEVICES_FILE: lab.devices, PHONEHOME_DEVICE: lab.names[0]!, PHONEHOME_OUT: out },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      try {
        await waitFor('the test waiting', () => /^waiting$/m.test(output), () => output, 150_000);
        expect(await proxySettings(lab), 'provisioned while the test runs').to.not.deep.equal(before);
        child.kill('SIGINT');
        // The plugin's process ends by the signal once the phone is back; what the user's shell then
        // sees is mocha's: its bin, which forked a child for --import=tsx, exits 0 when that child
        // dies by a signal it forwarded (mocha 12 bin/mocha.js). The report says `incomplete`.
        await exited;
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      // mocha's launcher forwards SIGINT and at once SIGTERM (mocha 12 bin/mocha.js); node may handle
      // them on different threads, so the one the plugin sees first, and names, is either.
      expect(output).to.match(/(SIGINT|SIGTERM): undoing provisioning before exiting/);
      expect(output).to.not.match(/again: abandoning the undo/);
      expect(output).to.match(/^report: .*index\.html$/m);
      expect(await proxySettings(lab)).to.deep.equal(before);
      const { run } = onlyRun(out);
      expect(run.status).to.equal('incomplete');
      expect(run.phones.map((p) => p.name)).to.deep.equal(lab.names);
    } finally {
      // What the run started (its adb server, Appium) is gone with it; the folder is removed after.
      await lab.close().catch(async (error: Error) => {
        const { execFileSync } = await import('node:child_process');
        const left = execFileSync('ps', ['-eo', 'pid,args']).toString().split('\n').filter((l) => l.includes(lab.dir));
        throw new Error(`${error.message}; processes still using the lab: ${left.join(' | ') || 'none'}`);
      });
    }
  });
});
