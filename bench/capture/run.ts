// Capture sidecar benchmark (issue 2): the same bounded HTTPS keep-alive load through
// (a) no proxy, (b) the sidecar in sink and in live mode against a local origin, (c) mitmdump.
// Prints figures; it is not a timed test. Run: npm run bench:capture
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureSidecar, ProxyTunnelAgent, readFlows } from '../../harness/capture/index.js';

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
  flows?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function load(agent: https.Agent, port: number, reqPath: string, total: number): Promise<Omit<Result, 'config' | 'size'>> {
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
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: total, failed, seconds, rps: (total - failed) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
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

    const run = async (config: string, agent: https.Agent, flowsDir?: string) => {
      for (const size of SIZES) {
        await load(agent, originPort, size.path, 50); // warm-up: connections, certificates
        const r = await load(agent, originPort, size.path, size.requests);
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

    console.error('(c) mitmdump');
    const mitmPort = await freePort();
    const confdir = path.join(tmp, 'mitmproxy');
    mitm = spawn('mitmdump', ['--listen-host', '127.0.0.1', '--listen-port', String(mitmPort), '--set', `confdir=${confdir}`,
      '--set', `ssl_verify_upstream_trusted_ca=${path.join(tmp, 'origin.pem')}`, '-w', path.join(tmp, 'mitm.flows'), '-q'], { stdio: 'ignore' });
    await waitFor(async () => existsSync(path.join(confdir, 'mitmproxy-ca-cert.pem')) && (await canConnect(mitmPort)), 'mitmdump to listen');
    const mitmCa = readFileSync(path.join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8');
    await run('mitmdump', new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: mitmPort }, ca: mitmCa, keepAlive: true, maxSockets: CONCURRENCY }));
    origin.closeAllConnections();
    origin.close();
  } finally {
    mitm?.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }

  console.log(`\nHTTPS keep-alive load, ${CONCURRENCY} connections, loopback (${SIZES.map((s) => `${s.requests} × ${s.name}`).join(', ')})\n`);
  console.log('config          size      req/s   p50 ms  p99 ms  +p50 ms  +p99 ms  flows/requests  failed');
  for (const r of results) {
    const base = results.find((b) => b.config === 'direct' && b.size === r.size)!;
    const flows = r.flows === undefined ? '-' : `${r.flows}/${r.requests} (${((100 * r.flows) / r.requests).toFixed(1)}%)`;
    console.log(
      `${r.config.padEnd(15)} ${r.size.padEnd(7)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(7)} ` +
        `${(r.p50 - base.p50).toFixed(2).padStart(8)} ${(r.p99 - base.p99).toFixed(2).padStart(8)}  ${flows.padEnd(15)} ${r.failed}`,
    );
  }
  console.log('');
  for (const size of SIZES) {
    const mitmdump = results.find((r) => r.config === 'mitmdump' && r.size === size.name)!;
    for (const mode of ['sink', 'live']) {
      const s = results.find((r) => r.config === `sidecar ${mode}` && r.size === size.name)!;
      console.log(`sidecar ${mode} / mitmdump, ${size.name}: ${(s.rps / mitmdump.rps).toFixed(2)}×`);
    }
  }
  console.log('\nTarget: ≥ 2× mitmdump req/s with 100% of flows recorded, added p50 ≤ 2 ms.');
}

await main();
