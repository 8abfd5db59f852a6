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
 * (`not-leaked`), never cut short into `unobservable` or made clean early. Mint only, to stay small.
 */
const SUITE = `import { defineSuite } from ${JSON.stringify(path.resolve('harness/scenario/index.ts'))};
import { appendFileSync } from 'node:fs';
export default defineSuite({ name: 'waits-probe', description: 'records the verdicts a suite sees' }, (ctx) => {
  const out = process.env.WAITS_PROBE_OUT!;
  for (const phone of ctx.phones) for (const mode of ctx.modes) {
    it(mode, async () => {
      const b = await phone.openBrowser('mint', mode);
      const made = [await b.visit(), await b.visit(), await b.search()];
      await b.close();
      await phone.sendToBackground();
      await phone.waitForTelemetry();
      for (const [i, v] of made.entries()) appendFileSync(out, JSON.stringify([mode + ' ' + i, v.judgement()?.verdict ?? 'no judgement']) + '\\n');
      for (const name of ['model', 'imei'] as const) appendFileSync(out, JSON.stringify([mode + ' ' + name, phone.identifier(name).judgement()?.verdict ?? 'no judgement']) + '\\n');
    });
  }
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
  this.timeout(240_000);
  let dir: string;
  let devices: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-waits-'));
    devices = path.join(dir, 'devices.json');
    await writeSimDevices(devices, PHONES);
    await writeFile(path.join(dir, 'waits-probe.ts'), SUITE);
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(phone: string, waits: 'evidence' | 'fixed', modes: readonly string[]): Promise<Judged> {
    const out = path.join(dir, `verdicts-${phone}-${waits}.jsonl`);
    const args = ['run', path.join(dir, 'waits-probe.ts'), '--devices', devices, '--device', phone, '--browser', 'mint', '--out', path.join(dir, 'reports'), ...modes.flatMap((m) => ['--mode', m])];
    const result = await phonehome(args, { PHONEHOME_WAITS: waits, WAITS_PROBE_OUT: out });
    expect(result.code, explain(result)).to.equal(0);
    const verdicts = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as [string, string]);
    return { exit: result.code, verdicts };
  }

  for (const [phone, modes, expected] of [
    ['leaky', ['normal', 'incognito'], 'leaked'],
    ['control', ['normal'], 'not-leaked'],
  ] as const) {
    it(`${phone} phone (${expected} visits): the suite sees the same verdict for every visit and identifier`, async () => {
      const evidence = await run(phone, 'evidence', modes);
      const fixed = await run(phone, 'fixed', modes);
      expect(evidence.verdicts).to.deep.equal(fixed.verdicts);
      // The comparison means something only if the phone behaved as its profile says.
      const visits = evidence.verdicts.filter(([what]) => /\d$/.test(what));
      expect(visits).to.have.length(modes.length * 3);
      for (const [what, verdict] of visits) expect(verdict, what).to.equal(expected);
    });
  }
});
