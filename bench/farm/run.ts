/**
 * bench:farm — the same suite on 1, 2 and 4 simulated phones in one `phonehome run` each:
 * visits per minute and the ratio to one phone. Each phone is its own pool (no shared tags), so
 * every phone runs the whole suite. Bounded: each run is killed after RUN_TIMEOUT_MS.
 *
 *   npm run bench:farm [-- --suite smoke --phones 1,2,4]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const RUN_TIMEOUT_MS = 400_000;
const BIN = path.resolve('harness/phonehome.js');
const { values } = parseArgs({ options: { suite: { type: 'string', default: 'smoke' }, phones: { type: 'string', default: '1,2,4' }, profile: { type: 'string', default: 'redmi-note-8-2020' } } });
const counts = values.phones!.split(',').map(Number);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function runOn(n: number, dir: string): Promise<{ ms: number; visits: number; tests: number; passed: number; code: number | null }> {
  const devices = [];
  for (let i = 1; i <= n; i++) {
    const port = await freePort();
    devices.push({ name: `bench-${i}`, serial: `127.0.0.1:${port}`, launch: { command: 'phonehome', args: ['sim', '--profile', values.profile!, '--port', String(port)], readyTimeoutMs: 30000 } });
  }
  const file = path.join(dir, `devices-${n}.json`);
  await writeFile(file, JSON.stringify({ devices }));
  const out = path.join(dir, `reports-${n}`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    execFile(process.execPath, [BIN, 'run', values.suite!, '--devices', file, '--device', 'all', '--parallel', String(n), '--out', out], { timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (error) =>
      resolve(error ? ((error as { code?: number }).code ?? null) : 0),
    );
  });
  const ms = Date.now() - started;
  const run = JSON.parse(await readFile(path.join(out, 'latest', 'run.json'), 'utf8')) as { visits: unknown[]; suites: Array<{ tests: Array<{ state: string }> }> };
  const tests = run.suites.flatMap((s) => s.tests);
  return { ms, visits: run.visits.length, tests: tests.length, passed: tests.filter((t) => t.state === 'passed').length, code };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-bench-farm-'));
try {
  console.log(`bench:farm — suite ${values.suite} on ${values.profile}, ${os.cpus().length} cores; whole run wall time (phones start, provision, Appium, suite, report)`);
  console.log('phones  exit  tests(passed)  visits  wall s  visits/min  ratio to 1 phone');
  let base: number | undefined;
  for (const n of counts) {
    const r = await runOn(n, dir);
    const perMinute = r.visits / (r.ms / 60_000);
    base ??= perMinute;
    console.log(`${String(n).padStart(6)}  ${String(r.code).padStart(4)}  ${`${r.tests}(${r.passed})`.padStart(13)}  ${String(r.visits).padStart(6)}  ${(r.ms / 1000).toFixed(1).padStart(6)}  ${perMinute.toFixed(1).padStart(10)}  ${(perMinute / base).toFixed(2).padStart(16)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
