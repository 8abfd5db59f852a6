// Capture sidecar benchmark: the sidecar (`phonehome capture --upstream live`, its cluster of
// workers) against Debian's mitmdump, BOTH forwarding to the same local HTTPS origin (its own
// process), under the same closed-loop HTTPS load through CONNECT tunnels (keep-alive; concurrency
// 10 and 50; 1 KB and 100 KB responses). Runs alternate between the proxies and repeat (medians of
// --reps, at least 3); a direct run (no proxy) each time gives the added latency. Both proxies'
// flows are counted on disk (mitmdump's -w file read back with `mitmdump -r`). Peak RSS is each
// process's VmHWM, summed over the sidecar's primary and workers. Prints the target beside each
// figure, and the load average beside the run (2 cores shared by many: absolute figures are low).
// Not a timed test. Run: npm run bench:capture [-- --reps 3 --scale 1 --workers N --profile]
//   --scale multiplies the request counts (2000 × 1 KB, 400 × 100 KB per run); --profile writes
//   V8 CPU profiles of the sidecar's processes and prints where their time went.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CA_CERT_FILE, readFlows } from '../../harness/capture/index.js';
import { topSelfTime } from './cpuProfile.js';
import { agentFor, load, type LoadResult } from './loadClient.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The compiled CLI (npm run build), as an installed phonehome runs: the sources would add tsx's
// loader to every process (its memory and start-up). Without a build, the sources.
const BUILT = path.resolve(HERE, '..', '..', 'dist', 'harness', 'bin.js');
const BIN = existsSync(BUILT) ? BUILT : path.resolve(HERE, '..', '..', 'harness', 'phonehome.js');

const { values: args } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, scale: { type: 'string', default: '1' }, workers: { type: 'string' }, profile: { type: 'boolean', default: false } },
});
const REPS = Math.max(3, Number(args.reps));
const SCALE = Number(args.scale);
const WORKERS = Number(args.workers ?? availableParallelism());

const CASES = [
  { size: '1 KB', bytes: 1024, concurrency: 10, requests: 2000 },
  { size: '1 KB', bytes: 1024, concurrency: 50, requests: 2000 },
  { size: '100 KB', bytes: 100 * 1024, concurrency: 10, requests: 400 },
  { size: '100 KB', bytes: 100 * 1024, concurrency: 50, requests: 400 },
].map((c) => ({ ...c, requests: Math.max(100, Math.round(c.requests * SCALE)), name: `${c.size}, c${c.concurrency}` }));

type ProxyName = 'sidecar' | 'mitmdump';

interface Run extends LoadResult {
  proxy: ProxyName | 'direct';
  case: string;
  tag: string;
  load1: number;
}

interface Proxy {
  name: ProxyName;
  port: number;
  ca: string;
  /** Processes whose peak RSS counts (the sidecar's primary and workers). */
  pids: number[];
  child: ChildProcess;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Peak resident set of a process so far (VmHWM), MB; 0 once it is gone. */
function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  const exited = once(child, 'exit').then(() => { throw new Error(`${what} exited before it was ready`); });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), exited])) as [string];
  return line;
}

async function startSidecar(tmp: string, profileDir: string | undefined): Promise<Proxy> {
  const env: NodeJS.ProcessEnv = { ...process.env, PHONEHOME_HOME: path.join(tmp, 'home') };
  // Cluster workers inherit the primary's node flags: each writes its own profile as it exits.
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, BIN, 'capture', '--port', '0', '--out', path.join(tmp, 'cap'), '--upstream', 'live', '--upstream-ca', path.join(tmp, 'origin.pem'), '--workers', String(WORKERS)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = JSON.parse(await firstLine(child, 'phonehome capture')) as { port: number; workers?: number[] };
  return { name: 'sidecar', port: ready.port, ca: readFileSync(path.join(tmp, 'home', CA_CERT_FILE), 'utf8'), pids: [child.pid!, ...(ready.workers ?? [])], child };
}

async function startMitmdump(tmp: string): Promise<Proxy> {
  const port = await freePort();
  const confdir = path.join(tmp, 'mitmproxy');
  // -w: every flow to a file (mitmproxy's own flow format), counted at the end with `mitmdump -r`.
  const child = spawn('mitmdump', ['--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${confdir}`,
    '--set', `ssl_verify_upstream_trusted_ca=${path.join(tmp, 'origin.pem')}`, '-w', path.join(tmp, 'mitm.flows'), '-q'], { stdio: 'ignore' });
  await waitFor(async () => existsSync(path.join(confdir, 'mitmproxy-ca-cert.pem')) && (await canConnect(port)), 'mitmdump to listen');
  return { name: 'mitmdump', port, ca: readFileSync(path.join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8'), pids: [child.pid!], child };
}

async function stop(proxy: Proxy): Promise<void> {
  if (proxy.child.exitCode !== null) return;
  // Each stopped as its user would: SIGTERM for phonehome capture, Ctrl-C (SIGINT) for mitmdump.
  proxy.child.kill(proxy.name === 'mitmdump' ? 'SIGINT' : 'SIGTERM');
  await once(proxy.child, 'exit');
}

/** Flows per run tag in the sidecar's capture folder. */
async function sidecarFlows(dir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const f of readFlows(dir)) {
    const tag = /(?:^|&)run=([^&]+)/.exec(f.query)?.[1];
    if (tag && f.response?.status === 200) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return counts;
}

/** Flows per run tag in mitmdump's -w file, as mitmdump itself reads it back (one line per flow). */
function mitmdumpFlows(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  const text = execFileSync('mitmdump', ['-n', '-r', file, '--set', 'flow_detail=1'], { maxBuffer: 256 * 1024 * 1024 }).toString();
  let requestLines = 0;
  for (const m of text.matchAll(/^\S+: (\w+) (\S*)/gm)) {
    if (m[1] === 'CONNECT') continue;
    requestLines++;
    const tag = /[?&]run=([^&\s]+)&i=\d+$/.exec(m[2]!)?.[1];
    if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  console.error(`mitmdump -r read ${requestLines} request flows (${text.length} bytes of output) from its -w file`);
  return counts;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-bench-capture-'));
  const profileDir = args.profile ? path.join(tmp, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir);
  let origin: ChildProcess | undefined;
  const proxies: Proxy[] = [];
  const runs: Run[] = [];
  const rss = new Map<ProxyName, number[]>();
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(tmp, 'origin-key.pem'), '-out', path.join(tmp, 'origin.pem')], { stdio: 'ignore' });
    const originCa = readFileSync(path.join(tmp, 'origin.pem'), 'utf8');
    origin = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'localOrigin.ts'), path.join(tmp, 'origin-key.pem'), path.join(tmp, 'origin.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const originPort = Number(await firstLine(origin, 'the origin'));

    console.error(`starting the sidecar (${WORKERS} workers) and mitmdump; load average ${loadavg()[0]!.toFixed(1)}`);
    proxies.push(await startSidecar(tmp, profileDir), await startMitmdump(tmp));
    const byName = (n: ProxyName) => proxies.find((p) => p.name === n)!;
    for (const p of proxies) {
      const agent = agentFor(p, originCa, 10);
      for (const c of CASES) await load(agent, originPort, c.bytes, 100, 10, `warm-${p.name}`);
      agent.destroy();
    }
    for (let rep = 0; rep < REPS; rep++) {
      for (const c of CASES) {
        // Alternate which proxy goes first, so neither always runs after the other's leftovers.
        const order: Array<ProxyName | 'direct'> = rep % 2 === 0 ? ['direct', 'sidecar', 'mitmdump'] : ['direct', 'mitmdump', 'sidecar'];
        for (const who of order) {
          const tag = `${who}-${c.bytes}-${c.concurrency}-${rep}`;
          const agent = agentFor(who === 'direct' ? undefined : byName(who), originCa, c.concurrency);
          const load1 = loadavg()[0]!;
          const r = await load(agent, originPort, c.bytes, c.requests, c.concurrency, tag);
          agent.destroy();
          runs.push({ ...r, proxy: who, case: c.name, tag, load1 });
          console.error(`  rep ${rep + 1} ${c.name} ${who}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms${r.failed ? `, ${r.failed} failed` : ''} (load ${load1.toFixed(1)})`);
        }
      }
    }
    for (const p of proxies) rss.set(p.name, p.pids.map((pid) => peakRssMb(pid)));
  } finally {
    for (const p of proxies) await stop(p).catch(() => {});
    origin?.kill('SIGTERM');
  }
  const flows = { sidecar: await sidecarFlows(path.join(tmp, 'cap')), mitmdump: mitmdumpFlows(path.join(tmp, 'mitm.flows')) };
  const profile = profileDir ? topSelfTime(profileDir) : [];
  rmSync(tmp, { recursive: true, force: true });

  const loads = runs.map((r) => r.load1);
  console.log(`\nHTTPS through CONNECT tunnels, keep-alive, to one local HTTPS origin; medians of ${REPS} alternating runs; sidecar: ${WORKERS} workers, live mode, ${path.relative(process.cwd(), BIN)}`);
  console.log(`load average (1 min) during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${availableParallelism()} cores\n`);
  console.log('case            proxy      req/s   p50 ms  p99 ms  +p50 ms  client CPU s  flows on disk');
  for (const c of CASES) {
    const of = (who: Run['proxy']) => runs.filter((r) => r.case === c.name && r.proxy === who);
    const direct = median(of('direct').map((r) => r.p50));
    for (const who of ['direct', 'sidecar', 'mitmdump'] as const) {
      const rs = of(who);
      const sent = rs.reduce((n, r) => n + r.requests - r.failed, 0);
      const onDisk = who === 'direct' ? '-' : `${rs.reduce((n, r) => n + (flows[who].get(r.tag) ?? 0), 0)}/${sent} (${((100 * rs.reduce((n, r) => n + (flows[who].get(r.tag) ?? 0), 0)) / Math.max(1, sent)).toFixed(1)}%)`;
      const p50 = median(rs.map((r) => r.p50));
      console.log(
        `${c.name.padEnd(15)} ${who.padEnd(9)} ${median(rs.map((r) => r.rps)).toFixed(0).padStart(6)} ${p50.toFixed(2).padStart(8)} ${median(rs.map((r) => r.p99)).toFixed(2).padStart(7)} ` +
          `${who === 'direct' ? '       -' : (p50 - direct).toFixed(2).padStart(8)} ${median(rs.map((r) => r.clientCpuS)).toFixed(2).padStart(13)}  ${onDisk}`,
      );
    }
  }
  console.log('\nsidecar against mitmdump (medians), each beside its target:');
  for (const c of CASES) {
    const rps = (who: ProxyName) => median(runs.filter((r) => r.case === c.name && r.proxy === who).map((r) => r.rps));
    const p50 = (who: Run['proxy']) => median(runs.filter((r) => r.case === c.name && r.proxy === who).map((r) => r.p50));
    const target = c.bytes <= 1024 ? 5 : 3;
    const ratio = rps('sidecar') / rps('mitmdump');
    const added = p50('sidecar') - p50('direct');
    console.log(`  ${c.name.padEnd(14)} ${ratio.toFixed(2)}× req/s (target ≥ ${target}×: ${ratio >= target ? 'met' : 'NOT met'}); added p50 ${added.toFixed(2)} ms (target ≤ 1 ms: ${added <= 1 ? 'met' : 'NOT met'})`);
  }
  const sum = (xs: number[] | undefined) => (xs ?? [NaN]).reduce((a, b) => a + b, 0);
  const [sRss, mRss] = [sum(rss.get('sidecar')), sum(rss.get('mitmdump'))];
  const parts = (rss.get('sidecar') ?? []).map((mb) => mb.toFixed(0)).join(' + ');
  console.log(`  peak RSS: sidecar ${sRss.toFixed(0)} MB (primary + ${WORKERS} workers: ${parts}, each one's peak) vs mitmdump ${mRss.toFixed(0)} MB (target ≤ mitmdump's: ${sRss <= mRss ? 'met' : 'NOT met'})`);
  for (const who of ['sidecar', 'mitmdump'] as const) {
    const sent = runs.filter((r) => r.proxy === who).reduce((n, r) => n + r.requests - r.failed, 0);
    const disk = runs.filter((r) => r.proxy === who).reduce((n, r) => n + (flows[who].get(r.tag) ?? 0), 0);
    console.log(`  ${who} flows on disk: ${disk}/${sent} answered (${((100 * disk) / Math.max(1, sent)).toFixed(1)}%; target 100%: ${disk >= sent ? 'met' : 'NOT met'})`);
  }
  if (profile.length > 0) {
    console.log('\nwhere the sidecar\'s processes spent their CPU (self time, V8 profile of primary and workers):');
    for (const p of profile) console.log(`  ${(100 * p.share).toFixed(1).padStart(5)} %  ${p.what}`);
  }
}

await main();
