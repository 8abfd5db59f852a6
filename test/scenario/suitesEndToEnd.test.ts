import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord, TestRecord } from '../../harness/report/types.js';
import { runRecordErrors } from '../../harness/report/index.js';
import { killGroup, phonehome, spawnPhonehome, writeSimDevices, type Finished } from './simPhones.js';

// One phone per concurrent run (a simulated phone serves one run at a time).
const PHONES = [
  { name: 'redmi-note-8', profile: 'redmi-note-8-2020' },
  { name: 'redmi-note-8-killed', profile: 'redmi-note-8-2020' },
  { name: 'redmi-note-8-updated', profile: 'redmi-note-8-2020-updated' },
  { name: 'redmi-1s', profile: 'redmi-1s-2014' },
  { name: 'clean-control', profile: 'clean-control' },
  { name: 'clean-control-grep', profile: 'clean-control' },
];

/** Runs jobs at most `width` at a time (each run is a phone, Appium and a capture: CPU-hungry). */
async function pool(width: number, jobs: Array<() => Promise<unknown>>): Promise<void> {
  const queue = [...jobs];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  }));
}

async function readRun(reports: string): Promise<RunRecord> {
  const run = JSON.parse(await readFile(path.join(reports, 'latest', 'run.json'), 'utf8')) as RunRecord;
  expect(runRecordErrors(run), 'run.json does not match its schema').to.deep.equal([]);
  return run;
}

function tests(run: RunRecord, suite: string): TestRecord[] {
  const found = run.suites.find((s) => s.name === suite);
  expect(found, `suite ${suite} missing from run.json`).to.not.equal(undefined);
  expect(found!.tests.length, `suite ${suite} ran no test`).to.be.greaterThan(0);
  return found!.tests;
}

function explain(r: Finished): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-2000)}`;
}

/** Kills the simulated phone a killed run left behind: found by its unique port in its command line. */
function killLeftoverSims(devicesJson: string, phone: string): void {
  const entry = (JSON.parse(devicesJson) as { devices: Array<{ name: string; launch: { args: string[] } }> }).devices.find((d) => d.name === phone)!;
  const ports = [entry.launch.args[entry.launch.args.indexOf('--port') + 1]];
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || !m[2]!.includes(' sim ') || !ports.some((p) => m[2]!.includes(`--port ${p}`))) continue;
    try {
      process.kill(Number(m[1]), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

describe('shipped suites, end to end on simulated phones', function () {
  this.timeout(180_000);
  let dir: string;
  let devices: string;
  const runs = new Map<string, { result: Finished; reports: string }>();

  // Two runs at a time, each with its own phone, adb server, capture and ports. To stay fast the
  // runs drive Mint only (a full forbes-2020 on all three browsers is `npm start`).
  let killed: Promise<{ reports: string; flowsAtKill: number; output: string }>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-e2e-'));
    devices = path.join(dir, 'devices.json');
    await writeSimDevices(devices, PHONES);
    const plan: Array<[string, string, string[]]> = [
      ['control', 'clean-control', ['forbes-2020', 'forbes-2020-fixed', 'fsecure-2014', 'incognito-guard', 'smoke']],
      ['forbes', 'redmi-note-8', ['forbes-2020', 'smoke', 'incognito-guard']],
      // The guard first: it sees the switch at its default (on); forbes-2020-fixed then turns it off.
      ['updated', 'redmi-note-8-updated', ['incognito-guard', 'forbes-2020-fixed']],
      ['fsecure', 'redmi-1s', ['fsecure-2014']],
    ];
    let resolveKilled!: (v: Awaited<typeof killed>) => void;
    let rejectKilled!: (e: unknown) => void;
    killed = new Promise((resolve, reject) => ((resolveKilled = resolve), (rejectKilled = reject)));
    killed.catch(() => undefined);
    await pool(2, [
      ...plan.map(([key, phone, suites]) => async () => {
        const reports = path.join(dir, `reports-${key}`);
        const result = await phonehome(['run', ...suites, '--browser', 'mint', '--devices', devices, '--device', phone, '--out', reports], { cwd: dir, timeoutMs: 150_000 });
        runs.set(key, { result, reports });
      }),
      async () => {
        const reports = path.join(dir, 'reports-nomatch');
        const result = await phonehome(['run', 'smoke', '--browser', 'mint', '--devices', devices, '--device', 'clean-control-grep', '--grep', 'no test is called this', '--out', reports], { cwd: dir, timeoutMs: 150_000 });
        runs.set('nomatch', { result, reports });
      },
      () => runAndKill().then(resolveKilled, rejectKilled),
    ]);
  });

  /** Starts forbes-2020 and SIGKILLs it (and its phone) mid-suite, once a check passed and telemetry was captured. */
  async function runAndKill() {
    const reports = path.join(dir, 'reports-killed');
    const child = spawnPhonehome(['run', 'forbes-2020', '--browser', 'mint', '--devices', devices, '--device', 'redmi-note-8-killed', '--out', reports], dir);
    const flowsFile = async () => {
      const file = path.join(reports, 'latest', 'capture', 'redmi-note-8-killed', 'flows.jsonl');
      return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    };
    try {
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline && !(/✓ forbes-2020/.test(child.output()) && (await flowsFile()) >= 5)) await new Promise((r) => setTimeout(r, 100));
      killGroup(child);
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    } finally {
      killGroup(child);
      killLeftoverSims(await readFile(devices, 'utf8'), 'redmi-note-8-killed');
    }
    return { reports, flowsAtKill: await flowsFile(), output: child.output() };
  }

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('forbes-2020 passes on the 2020 Redmi Note 8, in both modes', async () => {
    const { result, reports } = runs.get('forbes')!;
    expect(result.code, explain(result)).to.equal(1); // incognito-guard fails in the same run
    const run = await readRun(reports);
    const all = tests(run, 'forbes-2020');
    for (const t of all) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
    expect(all.length).to.equal(3);
    const forbesVisits = new Set(all.flatMap((t) => t.visitIds));
    expect(run.visits.filter((v) => forbesVisits.has(v.id) && v.mode === 'incognito' && v.verdict === 'leaked').length).to.equal(4);
    // Live progress named the phone, the tests, visits and flows.
    expect(result.stdout).to.match(/\[redmi-note-8\] ready: Xiaomi Redmi Note 8/);
    expect(result.stdout).to.match(/✓ forbes-2020 .* \(\d+ ms; visits \d+, flows \d+\)/);
    expect(result.stdout).to.match(/report: .*index\.html/);
  });

  it('smoke passes there; incognito-guard fails there with the evidence', async () => {
    const { result, reports } = runs.get('forbes')!;
    expect(result.code, explain(result)).to.equal(1);
    const run = await readRun(reports);
    for (const t of tests(run, 'smoke')) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
    const guard = tests(run, 'incognito-guard');
    for (const t of guard) {
      expect(t.state).to.equal('failed');
      expect(t.error!.message).to.match(/not to have leaked to a third party, but it did: .* to sa\.api\.intl\.miui\.com.* via .*base64/);
    }
    expect(run.visits.some((v) => v.mode === 'incognito' && v.verdict === 'leaked')).to.equal(true);
  });

  it('forbes-2020-fixed passes on the updated versions, while incognito still leaks with the switch at its default', async () => {
    const { result, reports } = runs.get('updated')!;
    expect(result.code, explain(result)).to.equal(1);
    const run = await readRun(reports);
    for (const t of tests(run, 'forbes-2020-fixed')) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
    for (const t of tests(run, 'incognito-guard')) expect(t.state).to.equal('failed');
  });

  it('a --grep that matches no test is a setup error (exit 2), not a clean pass', () => {
    const { result } = runs.get('nomatch')!;
    expect(result.code, explain(result)).to.equal(2);
    expect(result.stderr).to.match(/no test matched --grep 'no test is called this'/);
  });

  it('fsecure-2014 passes on the Redmi 1S', async () => {
    const { result, reports } = runs.get('fsecure')!;
    expect(result.code, explain(result)).to.equal(0);
    const run = await readRun(reports);
    for (const t of tests(run, 'fsecure-2014')) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
  });

  it('on the clean control every "leaked" assertion fails and every "did not leak" one holds', async () => {
    const { result, reports } = runs.get('control')!;
    expect(result.code, explain(result)).to.equal(1);
    const run = await readRun(reports);
    for (const t of tests(run, 'forbes-2020')) {
      expect(t.state, t.fullTitle).to.equal('failed');
      expect(t.error!.message).to.match(/to have (leaked|reached)|to have leaked to sa\.api\.intl\.miui\.com/);
    }
    for (const t of tests(run, 'fsecure-2014')) {
      expect(t.state, t.fullTitle).to.equal('failed');
      expect(t.error!.message).to.match(/to have leaked to api\.account\.xiaomi\.com, but no flow carried it/);
    }
    for (const t of tests(run, 'forbes-2020-fixed')) {
      // Incognito "must not leak" holds on a clean phone; "normal mode still reports" must fail.
      expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal(t.title.startsWith('normal mode') ? 'failed' : 'passed');
    }
    for (const t of tests(run, 'incognito-guard')) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
    for (const t of tests(run, 'smoke')) expect(t.state, `${t.fullTitle}: ${t.error?.message}`).to.equal('passed');
    expect(run.visits.every((v) => v.verdict === 'not-leaked'), JSON.stringify(run.visits.map((v) => [v.verdict, v.reasons]))).to.equal(true);
  });

  it('a run killed with SIGKILL mid-suite leaves a folder phonehome report rebuilds, with every flow captured before the kill', async () => {
    const { reports, flowsAtKill, output } = await killed;
    expect(output, 'the run never got mid-suite').to.match(/✓ forbes-2020/);
    expect(output).not.to.match(/^report: /m);
    const runDir = path.join(reports, (await readdir(reports)).find((e) => e !== 'latest')!);
    // The killed run's private adb server outlives it: end that one, by its port.
    const adbPort = /"type":"adb-server","port":(\d+)/.exec(await readFile(path.join(runDir, 'journal.jsonl'), 'utf8'))?.[1];
    if (adbPort) execFileSync('adb', ['-P', adbPort, 'kill-server'], { timeout: 10_000, stdio: 'ignore' });
    expect(await stat(path.join(runDir, 'run.json')).catch(() => undefined), 'run.json existed before the rebuild').to.equal(undefined);

    const rebuilt = await phonehome(['report', runDir], { cwd: dir, timeoutMs: 60_000 });
    expect(rebuilt.code, explain(rebuilt)).to.equal(0);
    const run = await readRun(reports);
    expect(run.status).to.equal('incomplete');
    expect(flowsAtKill).to.be.at.least(5);
    expect(run.captures[0]!.flows).to.equal(flowsAtKill);
    expect(run.suites[0]!.tests.filter((t) => t.state === 'passed').length).to.be.greaterThan(0);
    expect(run.visits.length).to.be.greaterThan(0);
    const har = JSON.parse(await readFile(path.join(runDir, 'traffic.har'), 'utf8')) as { log: { entries: unknown[] } };
    expect(har.log.entries).to.have.length(flowsAtKill);
    expect(await readFile(path.join(runDir, 'index.html'), 'utf8')).to.contain('run did not finish');
    expect(await readFile(path.join(runDir, 'junit.xml'), 'utf8')).to.match(/<error message="the run did not finish/);
  });
});
