/**
 * bench:main — the main job (`npm start` = `phonehome run forbes-2020` on the simulated Redmi Note 8,
 * profile redmi-note-8-2020) timed warm, beside the 20 s target, with same-run baselines: the old
 * fixed waits (PHONEHOME_WAITS=fixed), and with `--compare DIR` another checkout of phonehome (e.g.
 * main before a change), run alternately with this one so both see the same machine load.
 *
 * Per phase, from the run's own progress lines (timestamped here as they arrive): start-up (process
 * start → the phone ready), suites (→ the last test), put back (→ the summary line: the phones
 * restored), reports (→ the report line), exit. The phone is the committed devices.json entry on a
 * free port (others may run phones too). Runs of the same checkout must pass with the same test
 * outcomes, or the bench says so and exits 1. Bounded: each run is killed after RUN_TIMEOUT_MS.
 * The machine is shared: the load average is printed beside every figure, `--repeat N` alternates
 * the variants N times and prints each one's median, and the CPU time each run used (the harness,
 * the simulated phone and Appium: the run's waited-for children, through GNU time when
 * /usr/bin/time is there) is printed too: on a loaded machine it says more than the wall time.
 *
 *   npm run bench:main [-- --warmup 1 --repeat 1 --suite forbes-2020 --compare /work/main --no-fixed]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../harness/device/index.js';

const TARGET_MS = 20_000;
const RUN_TIMEOUT_MS = 300_000;
const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '1' },
    suite: { type: 'string', default: 'forbes-2020' },
    profile: { type: 'string', default: 'redmi-note-8-2020' },
    compare: { type: 'string' },
    'no-fixed': { type: 'boolean', default: false },
  },
});
const count = (name: 'warmup' | 'repeat', min: number) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench:main: --${name} must be a whole number >= ${min}, got '${values[name]}'`);
    process.exit(2);
  }
  return n;
};
const warmups = count('warmup', 0);
const repeats = count('repeat', 1);
if (values.compare !== undefined && !existsSync(path.join(values.compare, 'harness', 'phonehome.js'))) {
  console.error(`bench:main: --compare ${values.compare}: no harness/phonehome.js there (give another checkout of phonehome)`);
  process.exit(2);
}

interface Variant {
  label: string;
  /** The checkout whose harness/phonehome.js runs (its cwd too: suites and profiles come from it). */
  root: string;
  waits: 'evidence' | 'fixed';
}

interface Timed {
  ms: number;
  code: number | null;
  load: number;
  /** Test title → state, from run.json. */
  tests: Map<string, string>;
  /** ms from spawn to each phase's end (undefined: the line never came). */
  phases: Record<PhaseName, number | undefined>;
  /** Per test, its own duration (ms) as the run printed it. */
  testMs: number[];
  /** User + system CPU seconds of the run and the children it waited for (undefined without GNU time). */
  cpuS: number | undefined;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);

const PHASES = ['start-up', 'suites', 'put back', 'reports', 'exit'] as const;
type PhaseName = (typeof PHASES)[number];

async function runOnce(dir: string, variant: Variant, tag: string): Promise<Timed> {
  const port = await freePort();
  const devices = path.join(dir, `devices-${tag}.json`);
  await writeFile(devices, JSON.stringify({ default: 'redmi-note-8', devices: [{ name: 'redmi-note-8', serial: `127.0.0.1:${port}`, launch: { command: 'phonehome', args: ['sim', '--profile', values.profile!, '--port', String(port)], readyTimeoutMs: 30000 } }] }));
  const out = path.join(dir, `reports-${tag}`);
  const phases: Record<PhaseName, number | undefined> = { 'start-up': undefined, suites: undefined, 'put back': undefined, reports: undefined, exit: undefined };
  const testMs: number[] = [];
  const cpuFile = path.join(dir, `cpu-${tag}.txt`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const run = [process.execPath, path.join(variant.root, 'harness', 'phonehome.js'), 'run', values.suite!, '--devices', devices, '--out', out];
    const [file, ...args] = hasGnuTime ? [GNU_TIME, '-f', 'phonehome-bench-cpu %U %S', '-o', cpuFile, ...run] : run;
    const child = spawn(file!, args, {
      cwd: variant.root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PHONEHOME_WAITS: variant.waits },
      // Its own process group: the timeout's SIGTERM reaches the run, not only GNU time in front of it.
      detached: true,
    });
    let partial = '';
    let failed = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const at = Date.now() - started;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        // A failed test and the line saying why go to stderr: a bench whose runs fail says why.
        if (/^✗ /.test(line) || (failed && /^ {4}/.test(line))) console.error(`bench:main [${tag}] ${line}`);
        failed = /^✗ /.test(line) || (failed && /^ {4}/.test(line));
        if (/^\[[^\]]+\] ready: /.test(line)) phases['start-up'] = at;
        else if (/^[✓✗-] .* \((\d+) ms; visits/.test(line)) {
          phases.suites = at;
          testMs.push(Number(/\((\d+) ms; visits/.exec(line)![1]));
        } else if (/^\d+ passed, \d+ failed/.test(line)) phases['put back'] = at;
        else if (/^report: /.test(line)) phases.reports = at;
      }
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }, RUN_TIMEOUT_MS);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const ms = Date.now() - started;
  phases.exit = ms;
  const tests = new Map<string, string>();
  try {
    const run = JSON.parse(await readFile(path.join(out, 'latest', 'run.json'), 'utf8')) as { suites?: Array<{ tests?: Array<{ fullTitle: string; state: string }> }> };
    for (const t of (run.suites ?? []).flatMap((suite) => suite.tests ?? [])) tests.set(t.fullTitle, t.state);
  } catch {
    /* no report: the exit code says why */
  }
  let cpuS: number | undefined;
  if (hasGnuTime) {
    const m = /phonehome-bench-cpu ([\d.]+) ([\d.]+)/.exec(await readFile(cpuFile, 'utf8').catch(() => ''));
    if (m) cpuS = Number(m[1]) + Number(m[2]);
  }
  return { ms, code, tests, phases, testMs, cpuS, load: os.loadavg()[0]! };
}

const s = (ms: number | undefined) => (ms === undefined ? '   -  ' : `${(ms / 1000).toFixed(1).padStart(5)} s`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
/** Each phase's own length (from the previous phase's end). */
function phaseLengths(t: Timed): Array<number | undefined> {
  let prev = 0;
  return PHASES.map((p) => {
    const end = t.phases[p];
    if (end === undefined) return undefined;
    const length = end - prev;
    prev = end;
    return length;
  });
}

const here = process.cwd();
const variants: Variant[] = [{ label: 'this checkout, evidence waits', root: here, waits: 'evidence' }];
if (!values['no-fixed']) variants.push({ label: 'this checkout, old fixed waits', root: here, waits: 'fixed' });
if (values.compare !== undefined) variants.push({ label: `${values.compare}, evidence waits`, root: path.resolve(values.compare), waits: 'evidence' });

const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-bench-main-'));
try {
  for (let i = 0; i < warmups; i++) for (const [v, variant] of variants.entries()) await runOnce(dir, variant, `warmup-${i}-${v}`);
  const results: Timed[][] = variants.map(() => []);
  for (let i = 0; i < repeats; i++) for (const [v, variant] of variants.entries()) results[v]!.push(await runOnce(dir, variant, `run-${i}-${v}`));
  console.log(`main job (phonehome run ${values.suite}, ${values.profile}, warm; ${os.cpus().length} cores; ${repeats} run(s) per variant, alternating):`);
  console.log(`  ${'variant'.padEnd(44)} ${'total'.padStart(7)}  ${PHASES.map((p) => p.padStart(8)).join(' ')}   exit  load   CPU`);
  const medians: number[] = [];
  for (const [v, variant] of variants.entries()) {
    for (const t of results[v]!) {
      console.log(`  ${variant.label.padEnd(44)} ${s(t.ms)}  ${phaseLengths(t).map((l) => s(l).padStart(8)).join(' ')}   ${String(t.code).padStart(4)}  ${t.load.toFixed(1).padStart(4)}  ${t.cpuS === undefined ? '-' : `${t.cpuS.toFixed(1)} s`}`);
    }
    medians.push(median(results[v]!.map((t) => t.ms)));
  }
  const first = results[0]![0]!;
  console.log(`  tests (${variants[0]!.label}, first run): ${first.testMs.map((ms) => (ms / 1000).toFixed(1)).join(' + ')} s`);
  console.log(`  ${variants[0]!.label}: median ${s(medians[0])}  (target ${s(TARGET_MS)}: ${medians[0]! <= TARGET_MS ? 'met' : 'NOT met'})`);
  const cpuMedian = (v: number) => {
    const cpu = results[v]!.flatMap((t) => (t.cpuS === undefined ? [] : [t.cpuS]));
    return cpu.length > 0 ? median(cpu) : undefined;
  };
  for (let v = 1; v < variants.length; v++) {
    const [a, b] = [cpuMedian(v), cpuMedian(0)];
    console.log(`  ratio ${variants[v]!.label} / ${variants[0]!.label}: wall ${(medians[v]! / medians[0]!).toFixed(2)}x${a !== undefined && b !== undefined ? `, CPU ${(a / b).toFixed(2)}x` : ''} (medians)`);
  }
  // Runs of this checkout (both waits) must agree on every test's outcome.
  const ours = variants.flatMap((variant, v) => (variant.root === here ? results[v]! : []));
  const reference = ours[0]!;
  for (const other of ours.slice(1)) {
    const differ = [...new Set([...reference.tests.keys(), ...other.tests.keys()])].filter((t) => reference.tests.get(t) !== other.tests.get(t));
    if (reference.code !== other.code || differ.length > 0 || reference.tests.size === 0) {
      console.log(`  outcomes differ: exit ${reference.code} vs ${other.code}; ${differ.map((t) => `'${t}': ${reference.tests.get(t)} vs ${other.tests.get(t)}`).join('; ') || (reference.tests.size === 0 ? 'no tests recorded' : '')}`);
      process.exitCode = 1;
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
