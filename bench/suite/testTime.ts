/**
 * bench:tests — the mocha half of `npm test` (test/parallel.mocharc.cjs: --parallel, 2 jobs, the
 * slowest files first) timed beside its target, with every file's own time (test/fileTimes.ts) and
 * what the same file times would give in plain glob order (mocha's order without the config) —
 * the gain of handing out the slowest files first, measured on one run so both see the same load.
 *
 * It runs the WHOLE suite once: on the shared 2-core machine, run it only when the suite's time is
 * the question. The load average is printed beside the figures, and the CPU time the suite used
 * (mocha and every process it waited for, through GNU time when /usr/bin/time is there): on a
 * loaded machine it says more than the wall time.
 *
 *   npm run bench:tests [-- --times FILE] [-- --config C]   # FILE keeps the per-file records (JSON lines)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileTimesTable, makespan, type FileTime } from '../../test/fileTimes.js';

const TARGET_S = 7 * 60;
const { values } = parseArgs({ options: { times: { type: 'string' }, config: { type: 'string', default: 'test/parallel.mocharc.cjs' } } });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'phonehome-bench-tests-'));
const timesFile = values.times ? path.resolve(values.times) : path.join(tmp, 'times.jsonl');
const gnuTime = existsSync('/usr/bin/time');
const cpuFile = path.join(tmp, 'cpu.txt');

const mocha = [process.execPath, path.resolve('node_modules/mocha/bin/mocha.js'), '--config', values.config, '--require', 'test/fileTimes.ts', '--reporter', 'dot'];
const argv = gnuTime ? ['/usr/bin/time', '-o', cpuFile, '-f', '%U %S', ...mocha] : mocha;
const load = () => os.loadavg()[0]!.toFixed(1);
const loadBefore = load();
const started = Date.now();
const code = await new Promise<number | null>((resolve) => {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env: { ...process.env, PHONEHOME_TEST_TIMES: timesFile } });
  child.once('exit', (c) => resolve(c));
});
const wallS = (Date.now() - started) / 1000;

const lines = await readFile(timesFile, 'utf8').catch(() => '');
const records = lines.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FileTime);
const times = new Map(records.flatMap((r) => (r.files.length === 1 ? [[r.files[0]!, r.ms] as const] : [])));
const config = createRequire(import.meta.url)(path.resolve(values.config)) as { spec: string[]; jobs: number };
const globOrder = [...config.spec].sort();
// GNU time writes "Command exited with non-zero status N" first when a test failed: the figures are the last line.
const cpu = gnuTime ? ((await readFile(cpuFile, 'utf8').catch(() => '')).trim().split('\n').pop() ?? '').split(/\s+/).map(Number) : [];

console.log('');
console.log(fileTimesTable(lines));
console.log('');
console.log(`mocha (npm test without tsc): ${wallS.toFixed(0)} s, target ${TARGET_S} s — ${wallS <= TARGET_S ? 'met' : 'NOT met'}; exit ${code}; load ${loadBefore} before, ${load()} after`);
if (cpu.length === 2 && cpu.every(Number.isFinite)) console.log(`CPU time: ${(cpu[0]! + cpu[1]!).toFixed(0)} s (user ${cpu[0]!.toFixed(0)}, sys ${cpu[1]!.toFixed(0)}), ${((cpu[0]! + cpu[1]!) / (wallS * os.cpus().length) * 100).toFixed(0)}% of ${os.cpus().length} cores over the run`);
console.log(`these file times on ${config.jobs} workers: ${(makespan(times, config.spec, config.jobs) / 1000).toFixed(0)} s in the config's order (slowest first), ${(makespan(times, globOrder, config.jobs) / 1000).toFixed(0)} s in glob order`);
if (!values.times) await rm(tmp, { recursive: true, force: true });
process.exitCode = code === 0 ? 0 : 1;
