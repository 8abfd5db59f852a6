// Capture sidecar benchmark (issue 2): the same bounded HTTPS keep-alive load through
// (a) no proxy, (b) the sidecar in sink and in live mode against a local origin, in this process
// (sharing its one thread with the load generator and the origin) and as its own process
// (`phonehome capture`, as it is deployed and as mitmdump runs), (c) mitmdump.
// Prints figures, including CPU per request (this process plus the proxy process, if any), which
// varies less than req/s on a shared machine. Not a timed test. Run: npm run bench:capture
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CA_CERT_FILE, CaptureSidecar, ProxyTunnelAgent, readFlows } from '../../harness/capture/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'harness', 'phonehome.js');

const CONCURRENCY = 8;
const SIZES = [
  { name: '1 KB', path: '/1k', bytes: 1024, requests: 3000 },
  { name: '100 KB', path: '/100k', bytes: 100 * 1024, requests: 1000 },
];

interface Result {
  config: string;
  size: string;
  requests: number;
  failed: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU time per request, µs: this process plus the proxy's process when it has its own. */
  cpu: number;
  flows?: number;
}

/** CPU time (user + system) of another process so far, µs; Linux clock ticks are 10 ms. */
function processCpu(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function load(agent: https.Agent, port: number, reqPath: string, total: number, proxyPid?: number): Promise<Omit<Result, 'config' | 'size'>> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path: `${reqPath}?i=${i}`, agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.once('end', () => {
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const proxyCpu0 = processCpu(proxyPid);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu1 = process.cpuUsage(cpu0);
  const cpu = (cpu1.user + cpu1.system + processCpu(proxyPid) - proxyCpu0) / total;
  latencies.sort((a, b) => a - b);
  return { requests: total, failed, seconds, rps: (total - failed) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu };
}

async function countFlows(dir: string, reqPath: string): Promise<number> {
  let n = 0;
  for await (const f of readFlows(dir)) if (f.path === reqPath) n++;
  return n;
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

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
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

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-bench-'));
  let mitm: ChildProcess | undefined;
  const results: Result[] = [];
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(tmp, 'origin-key.pem'), '-out', path.join(tmp, 'origin.pem')], { stdio: 'ignore' });
    const originCert = readFileSync(path.join(tmp, 'origin.pem'), 'utf8');
    const bodies = new Map(SIZES.map((s) => [s.path, Buffer.alloc(s.bytes, 'x')]));
    const origin = https.createServer({ key: readFileSync(path.join(tmp, 'origin-key.pem')), cert: originCert, keepAlive: true }, (req, res) => {
      const body = bodies.get((req.url ?? '').split('?')[0]!) ?? Buffer.alloc(0);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const originPort = (origin.address() as net.AddressInfo).port;

    const run = async (config: string, agent: https.Agent, flowsDir?: string, proxyPid?: number) => {
      for (const size of SIZES) {
        await load(agent, originPort, size.path, 50); // warm-up: connections, certificates
        const r = await load(agent, originPort, size.path, size.requests, proxyPid);
        const result: Result = { config, size: size.name, ...r };
        if (flowsDir) {
          await new Promise((res) => setTimeout(res, 200)); // let the last flows land
          result.flows = (await countFlows(flowsDir, size.path)) - 50;
        }
        results.push(result);
        console.error(`  ${config} ${size.name}: ${r.rps.toFixed(0)} req/s`);
      }
      agent.destroy();
    };

    console.error('(a) direct');
    await run('direct', new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: originCert }));

    for (const mode of ['sink', 'live'] as const) {
      console.error(`(b) sidecar ${mode}`);
      const out = path.join(tmp, `cap-${mode}`);
      const sidecar = new CaptureSidecar({ out, port: 0, upstream: mode, home: path.join(tmp, 'home'), upstreamTrustedCAs: [originCert] });
      await sidecar.start();
      await run(`sidecar ${mode}`, new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true, maxSockets: CONCURRENCY }), out);
      await sidecar.stop();
    }

    writeFileSync(path.join(tmp, 'origin.pem'), originCert);
    for (const mode of ['sink', 'live'] as const) {
      console.error(`(b) sidecar ${mode}, own process`);
      const out = path.join(tmp, `cap-${mode}-process`);
      const child = spawn(process.execPath, [BIN, 'capture', '--port', '0', '--out', out, '--upstream', mode, '--upstream-ca', path.join(tmp, 'origin.pem')], {
        env: { ...process.env, PHONEHOME_HOME: path.join(tmp, 'home') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const ready = JSON.parse(line) as { port: number };
      const ca = readFileSync(path.join(tmp, 'home', CA_CERT_FILE), 'utf8');
      await run(`sidecar ${mode} proc`, new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: ready.port }, ca, keepAlive: true, maxSockets: CONCURRENCY }), out, child.pid);
      child.kill('SIGTERM');
      await once(child, 'exit');
    }

    console.error('(c) mitmdump');
    const mitmPort = await freePort();
    const confdir = path.join(tmp, 'mitmproxy');
    mitm = spawn('mitmdump', ['--listen-host', '127.0.0.1', '--listen-port', String(mitmPort), '--set', `confdir=${confdir}`,
      '--set', `ssl_verify_upstream_trusted_ca=${path.join(tmp, 'origin.pem')}`, '-w', path.join(tmp, 'mitm.flows'), '-q'], { stdio: 'ignore' });
    await waitFor(async () => existsSync(path.join(confdir, 'mitmproxy-ca-cert.pem')) && (await canConnect(mitmPort)), 'mitmdump to listen');
    const mitmCa = readFileSync(path.join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8');
    await run('mitmdump', new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: mitmPort }, ca: mitmCa, keepAlive: true, maxSockets: CONCURRENCY }), undefined, mitm.pid);
    origin.closeAllConnections();
    origin.close();
  } finally {
    mitm?.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }

  console.log(`\nHTTPS keep-alive load, ${CONCURRENCY} connections, loopback (${SIZES.map((s) => `${s.requests} × ${s.name}`).join(', ')})\n`);
  console.log('config             size      req/s   p50 ms  p99 ms  +p50 ms  +p99 ms  cpu µs/req  flows/requests      failed');
  for (const r of results) {
    const base = results.find((b) => b.config === 'direct' && b.size === r.size)!;
    const flows = r.flows === undefined ? '-' : `${r.flows}/${r.requests} (${((100 * r.flows) / r.requests).toFixed(1)}%)`;
    console.log(
      `${r.config.padEnd(18)} ${r.size.padEnd(7)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(7)} ` +
        `${(r.p50 - base.p50).toFixed(2).padStart(8)} ${(r.p99 - base.p99).toFixed(2).padStart(8)} ${r.cpu.toFixed(0).padStart(11)}  ${flows.padEnd(19)} ${r.failed}`,
    );
  }
  console.log('');
  for (const size of SIZES) {
    const mitmdump = results.find((r) => r.config === 'mitmdump' && r.size === size.name)!;
    for (const config of ['sidecar sink', 'sidecar live', 'sidecar sink proc', 'sidecar live proc']) {
      const s = results.find((r) => r.config === config && r.size === size.name)!;
      console.log(`${config} / mitmdump, ${size.name}: ${(s.rps / mitmdump.rps).toFixed(2)}× req/s, ${(mitmdump.cpu / s.cpu).toFixed(2)}× less CPU per request`);
    }
  }
  console.log('\nTarget: ≥ 2× mitmdump req/s with 100% of flows recorded, added p50 ≤ 2 ms.');
}

await main();
