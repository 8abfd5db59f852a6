import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BIN, writeSimDevices, type Finished } from './simPhones.js';

/**
 * The evidence waits (end as soon as every visit is leaked and the traffic is quiet) against the old
 * fixed waits (always to t1 + grace + a heartbeat), on the same simulated phones with the same suite:
 * the verdicts the suite sees after waitForTelemetry() must be the same, visit by visit (and for two
 * identifiers). The leaky phone checks that stopping early keeps every `leaked`; the clean control
 * checks that a visit whose leak never comes is still judged only once its whole window is proven
 * (`not-leaked`), never cut short into `unobservable` or made clean early. A last test waits for an
 * identifier only (`untilLeaked`, as forbes-2020 does for the model): early where it leaked, to the
 * bound where it did not; the model's verdict must be the same either way. Mint only, and both
 * phones in one run per wait policy, to stay small.
 */
const SUITE = `import { defineSuite } from ${JSON.stringify(path.resolve('harness/scenario/index.ts'))};
import { appendFileSync } from 'node:fs';
export default defineSuite({ name: 'waits-probe', description: 'records the verdicts a suite sees' }, (ctx) => {
  const out = process.env.WAITS_PROBE_OUT!;
  const record = (what: string, verdict: string | undefined) => appendFileSync(out, JSON.stringify([what, verdict ?? 'no judgement']) + '\\n');
  for (const phone of ctx.phones) describe(phone.name, () => {
    for (const mode of ctx.modes.filter((m) => phone.name === 'leaky' || m === 'normal')) {
      it(mode, async () => {
        const b = await phone.openBrowser('mint', mode);
        const made = [await b.visit(), await b.visit(), await b.search()];
        await b.close();
        await phone.sendToBackground();
        await phone.waitForTelemetry();
        for (const [i, v] of made.entries()) record(phone.name + ' ' + mode + ' ' + i, v.judgement()?.verdict);
        for (const name of ['model', 'imei'] as const) record(phone.name + ' ' + mode + ' ' + name, phone.identifier(name).judgement()?.verdict);
      });
    }
    describe('identifiers', () => {
      it('waits for the model only', async () => {
        const model = phone.identifier('model');
        await phone.waitForTelemetry({ untilLeaked: [model] });
        record(phone.name + ' model alone', model.judgement()?.verdict);
      });
    });
  });
});
`;

function phonehome(args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: process.cwd(), env: { ...process.env, ...env }, timeout: 200_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGTERM' }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const PHONES = [
  { name: 'leaky', profile: 'redmi-note-8-2020' },
  { name: 'control', profile: 'clean-control' },
];

interface Judged {
  exit: number | null;
  /** [what, verdict] in the order the suite judged them. */
  verdicts: Array<[string, string]>;
}

function explain(r: Finished): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-1500)}`;
}

describe('evidence waits keep the verdicts of the fixed waits', function () {
  this.timeout(480_000);
  let dir: string;
  let devices: string;
  const runs: Partial<Record<'evidence' | 'fixed', Judged>> = {};

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-waits-'));
    devices = path.join(dir, 'devices.json');
    await writeSimDevices(devices, PHONES);
    await writeFile(path.join(dir, 'waits-probe.ts'), SUITE);
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }');
    // One run per wait policy, both phones in it (each its own pool, in parallel).
    for (const waits of ['evidence', 'fixed'] as const) runs[waits] = await run(waits);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(waits: 'evidence' | 'fixed'): Promise<Judged> {
    const out = path.join(dir, `verdicts-${waits}.jsonl`);
    const args = ['run', path.join(dir, 'waits-probe.ts'), '--devices', devices, '--device', PHONES.map((p) => p.name).join(','), '--browser', 'mint', '--out', path.join(dir, 'reports')];
    const result = await phonehome(args, { PHONEHOME_WAITS: waits, WAITS_PROBE_OUT: out });
    expect(result.code, explain(result)).to.equal(0);
    const verdicts = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as [string, string]);
    return { exit: result.code, verdicts };
  }

  for (const [phone, modes, expected] of [
    ['leaky', ['normal', 'incognito'], 'leaked'],
    ['control', ['normal'], 'not-leaked'],
  ] as const) {
    it(`${phone} phone (${expected} visits): the suite sees the same verdict for every visit and identifier`, () => {
      // The phones ran side by side: compare each phone's own verdicts, in the order its suite judged them.
      const of = (j: Judged | undefined) => (j?.verdicts ?? []).filter(([what]) => what.startsWith(`${phone} `)).sort(([a], [b]) => a.localeCompare(b));
      const evidence = of(runs.evidence);
      expect(evidence).to.deep.equal(of(runs.fixed));
      // The comparison means something only if the phone behaved as its profile says.
      const visits = evidence.filter(([what]) => /\d$/.test(what));
      expect(visits).to.have.length(modes.length * 3);
      for (const [what, verdict] of visits) expect(verdict, what).to.equal(expected);
      // On the leaky phone the model's wait ended early, on its leak: the case the comparison is about.
      if (phone === 'leaky') expect(evidence.find(([what]) => what === 'leaky model alone')?.[1]).to.equal('leaked');
    });
  }
});
