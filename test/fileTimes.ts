import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, RootHookObject } from 'mocha';

/**
 * A mocha root hook plugin that records how long each test FILE takes, hooks included, in a run of
 * the suite — the figure that decides how `mocha --parallel` fills its workers (mocha's reporters
 * give tests' durations only, and in parallel mode print a file's results when it has ended).
 *
 *   PHONEHOME_TEST_TIMES=/tmp/times.jsonl npx mocha --parallel --jobs 2 --require test/fileTimes.ts 'test/**\/*.test.ts'
 *   node --import tsx test/fileTimes.ts /tmp/times.jsonl        # the table, slowest first
 *
 * Under --parallel, root hooks run once per file in the worker that runs it (mocha docs, "Root
 * Hook Plugins" and "Parallel tests": each file is its own root suite there), so `beforeAll` and
 * `afterAll` bracket exactly one file; in a serial run they bracket the whole run. Without
 * PHONEHOME_TEST_TIMES the plugin does nothing.
 */
const out = process.env.PHONEHOME_TEST_TIMES;

export interface FileTime {
  /** Test files of the root suite (one under --parallel), relative to the working directory. */
  files: string[];
  startedAt: number;
  ms: number;
  /**
   * CPU time of the worker and of the processes it waited for (Appium servers, `phonehome` runs and
   * what they waited for) while the file ran, in ms; absent where /proc is not there.
   */
  cpuMs?: number;
  pid: number;
}

/**
 * utime + stime + cutime + cstime of this process from /proc/self/stat (proc(5)), in ms: the only
 * place Node can read its waited-for children's CPU time (process.resourceUsage() is RUSAGE_SELF).
 * Clock ticks are USER_HZ, 100 on Linux (proc(5), sysconf(_SC_CLK_TCK)).
 */
function cpuWithChildrenMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // proc(5) numbers utime..cstime as fields 14–17; fields[0] here is field 3 (state).
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

let startedAt = 0;
let cpuAtStart: number | undefined;

export const mochaHooks: RootHookObject = out
  ? {
      beforeAll() {
        startedAt = Date.now();
        cpuAtStart = cpuWithChildrenMs();
      },
      afterAll(this: Context) {
        const root = this.test?.parent;
        const files = [...new Set((root?.suites ?? []).map((s) => s.file).filter((f): f is string => !!f))].map((f) => path.relative(process.cwd(), f));
        const cpuNow = cpuWithChildrenMs();
        const record: FileTime = { files, startedAt, ms: Date.now() - startedAt, ...(cpuNow !== undefined && cpuAtStart !== undefined ? { cpuMs: cpuNow - cpuAtStart } : {}), pid: process.pid };
        // One short line per file with O_APPEND: the workers' lines do not interleave.
        appendFileSync(out, JSON.stringify(record) + '\n');
      },
    }
  : {};

/** The recorded lines as a table, slowest first, with the run's span and each worker's busy time. */
export function fileTimesTable(lines: string): string {
  const records = lines.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FileTime);
  if (records.length === 0) return 'no file times recorded';
  const first = Math.min(...records.map((r) => r.startedAt));
  const last = Math.max(...records.map((r) => r.startedAt + r.ms));
  const busy = new Map<number, number>();
  for (const r of records) busy.set(r.pid, (busy.get(r.pid) ?? 0) + r.ms);
  const cpu = (r: FileTime) => (r.cpuMs === undefined ? '      ?' : (r.cpuMs / 1000).toFixed(1).padStart(7));
  const rows = [...records].sort((a, b) => b.ms - a.ms).map((r) => `${(r.ms / 1000).toFixed(1).padStart(7)} s ${cpu(r)} CPU-s  starts at ${((r.startedAt - first) / 1000).toFixed(0).padStart(4)} s  ${r.files.join(', ')}`);
  const sum = records.reduce((s, r) => s + r.ms, 0);
  const cpuSum = records.reduce((s, r) => s + (r.cpuMs ?? 0), 0);
  return [
    `${records.length} files, ${(sum / 1000).toFixed(0)} s in all (${(cpuSum / 1000).toFixed(0)} CPU-s); first start to last end ${((last - first) / 1000).toFixed(0)} s`,
    `busy per worker: ${[...busy.values()].map((ms) => `${(ms / 1000).toFixed(0)} s`).join(', ')}`,
    ...rows,
  ].join('\n');
}

/**
 * How long mocha --parallel would take with these file times if handed the files in `order` on
 * `jobs` workers (each free worker takes the next file, as mocha's workerpool does): the makespan.
 */
export function makespan(times: Map<string, number>, order: string[], jobs: number): number {
  const free = Array.from({ length: jobs }, () => 0);
  for (const file of order) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += times.get(file) ?? 0;
  }
  return Math.max(...free);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const { readFileSync } = await import('node:fs');
  console.log(fileTimesTable(readFileSync(process.argv[2] ?? '', 'utf8')));
}
