/**
 * bench:main — the main job (`npm start` = `phonehome run forbes-2020` on the simulated Redmi Note 8,
 * profile redmi-note-8-2020) timed warm, with the evidence waits and with the old fixed waits
 * (PHONEHOME_WAITS=fixed) in the same bench run, beside the 20 s target. The phone is the committed
 * devices.json entry on a free port instead of 5555 (others may run phones too). Both runs must pass
 * with the same test outcomes, or the bench says so and exits 1. Bounded: each run is killed after
 * RUN_TIMEOUT_MS.
 *
 *   npm run bench:main [-- --warmup 1 --suite forbes-2020]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../harness/device/index.js';

const TARGET_MS = 20_000;
const RUN_TIMEOUT_MS = 300_000;
const BIN = path.resolve('harness/phonehome.js');
const { values } = parseArgs({ options: { warmup: { type: 'string', default: '1' }, suite: { type: 'string', default: 'forbes-2020' }, profile: { type: 'string', default: 'redmi-note-8-2020' } } });
const warmups = Number(values.warmup);
if (!Number.isInteger(warmups) || warmups < 0) {
  console.error(`bench:main: --warmup must be a whole number >= 0, got '${values.warmup}'`);
  process.exit(2);
}

interface Timed {
  ms: number;
  code: number | null;
  /** Test title → state, from run.json. */
  tests: Map<string, string>;
}

async function runOnce(dir: string, label: string, waits: 'evidence' | 'fixed'): Promise<Timed> {
  const port = await freePort();
  const devices = path.join(dir, `devices-${label}.json`);
  await writeFile(devices, JSON.stringify({ default: 'redmi-note-8', devices: [{ name: 'redmi-note-8', serial: `127.0.0.1:${port}`, launch: { command: 'phonehome', args: ['sim', '--profile', values.profile!, '--port', String(port)], readyTimeoutMs: 30000 } }] }));
  const out = path.join(dir, `reports-${label}`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', values.suite!, '--devices', devices, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PHONEHOME_WAITS: waits } });
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const ms = Date.now() - started;
  const tests = new Map<string, string>();
  try {
    const run = JSON.parse(await readFile(path.join(out, 'latest', 'run.json'), 'utf8')) as { suites?: Array<{ tests?: Array<{ fullTitle: string; state: string }> }> };
    for (const t of (run.suites ?? []).flatMap((suite) => suite.tests ?? [])) tests.set(t.fullTitle, t.state);
  } catch {
    /* no report: the exit code says why */
  }
  return { ms, code, tests };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-bench-main-'));
try {
  for (let i = 0; i < warmups; i++) await runOnce(dir, `warmup-${i}`, 'evidence');
  const evidence = await runOnce(dir, 'evidence', 'evidence');
  const fixed = await runOnce(dir, 'fixed', 'fixed');
  const [load1] = os.loadavg();
  console.log(`main job (phonehome run ${values.suite}, ${values.profile}, warm; ${os.cpus().length} cores, load ${load1!.toFixed(1)}):`);
  console.log(`  evidence waits: ${s(evidence.ms)}  (target ${s(TARGET_MS)}: ${evidence.ms <= TARGET_MS ? 'met' : 'NOT met'}; exit ${evidence.code})`);
  console.log(`  old fixed waits: ${s(fixed.ms)}  (exit ${fixed.code})`);
  console.log(`  ratio fixed / evidence: ${(fixed.ms / evidence.ms).toFixed(2)}x`);
  const differ = [...new Set([...evidence.tests.keys(), ...fixed.tests.keys()])].filter((t) => evidence.tests.get(t) !== fixed.tests.get(t));
  if (evidence.code !== fixed.code || differ.length > 0 || evidence.tests.size === 0) {
    console.log(`  outcomes differ: exit ${evidence.code} vs ${fixed.code}; ${differ.map((t) => `'${t}': ${evidence.tests.get(t)} vs ${fixed.tests.get(t)}`).join('; ') || (evidence.tests.size === 0 ? 'no tests recorded' : '')}`);
    process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
