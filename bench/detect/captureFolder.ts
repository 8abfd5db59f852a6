/**
 * A real capture folder for bench:detect: the corpus's requests sent through the real
 * CaptureSidecar (sink mode, plain HTTP proxy requests in absolute form, as a phone's browser
 * sends them), so the detector then reads flows.jsonl and bodies/ from disk as `phonehome detect`
 * does. Made once per bench run into a temporary folder.
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureSidecar } from '../../harness/capture/index.js';
import type { CorpusFlow } from './flowCorpus.js';

/** Requests in flight at once (a browser's per-proxy connection pool is about this size). */
const CONCURRENCY = 6;

function send(proxyPort: number, agent: http.Agent, f: CorpusFlow): Promise<void> {
  const flow = f.flow;
  const url = `http://${flow.host}${flow.path}${flow.query ? `?${flow.query}` : ''}`;
  const body = f.roots.find((r) => r.label === 'body')?.bytes;
  const headers: Record<string, string> = { host: flow.host };
  for (const [name, value] of flow.request.headers) headers[name.toLowerCase()] = value;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: url, method: flow.method, headers, agent, timeout: 60_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** Records the corpus through a sidecar into a new temporary folder; returns the folder. */
export async function recordCorpus(corpus: CorpusFlow[]): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'phonehome-bench-detect-'));
  const out = path.join(root, 'capture');
  const sidecar = new CaptureSidecar({ out, port: 0, home: path.join(root, 'home') });
  await sidecar.start();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < corpus.length) await send(sidecar.port, agent, corpus[next++]!);
      }),
    );
  } finally {
    agent.destroy();
    await sidecar.stop();
  }
  return out;
}
