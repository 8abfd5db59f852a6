// A closed-loop HTTPS load through an HTTP proxy's CONNECT tunnels (as a phone with a proxy setting
// sends it), or straight to the origin: `concurrency` keep-alive connections, each sending its next
// request when the previous response ended, for `requests` requests in all.
import https from 'node:https';
import { ProxyTunnelAgent } from '../../harness/capture/index.js';

export interface LoadResult {
  requests: number;
  failed: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU seconds this (load generator) process spent. */
  clientCpuS: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function agentFor(proxy: { port: number; ca: string } | undefined, originCa: string, concurrency: number): https.Agent {
  // The client trusts the proxy's CA (it intercepts) or, direct, the origin's own certificate.
  return proxy
    ? new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: proxy.port }, ca: proxy.ca, keepAlive: true, maxSockets: concurrency })
    : new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: originCa });
}

export async function load(agent: https.Agent, originPort: number, bytes: number, total: number, concurrency: number, tag: string): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: originPort, path: `/${bytes}?run=${tag}&i=${i}`, agent, timeout: 30_000 }, (res) => {
        res.resume();
        res.once('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - t0);
          else failed++;
          resolve();
        });
        res.once('error', () => {
          failed++;
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
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return { requests: total, failed, seconds, rps: (total - failed) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), clientCpuS: (cpu.user + cpu.system) / 1e6 };
}
