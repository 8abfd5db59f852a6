import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseCommandArgs, type CliIo, type Command } from './command.js';
import { PhonehomeError } from '../errors.js';
import { CaptureSidecar } from '../capture/captureSidecar.js';
import { summarizeFlow } from '../capture/flowSummary.js';
import { ProxyTunnelAgent } from '../capture/proxyTunnelAgent.js';

const REPORTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'reports');

function send(options: http.RequestOptions, body: Buffer | undefined, secure: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({ ...options, timeout: 10_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${options.host}${options.path} timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start the capture sidecar and show it recording a few requests',
  help: `Usage: phonehome demo [--out DIR]

Starts the capture sidecar in sink mode on a free loopback port (nothing leaves this machine),
sends a plain HTTP page load, an HTTPS POST that trusts the phonehome CA, and an HTTPS POST with a
gzip body through it, then prints each recorded flow on one line and the capture folder.
The folder is reports/demo-<timestamp>/ unless --out is given; 'phonehome har DIR' turns it into HAR.`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs('demo', argv, { out: { type: 'string' } });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const out = path.resolve(values.out ?? path.join(REPORTS, `demo-${stamp}`));
    const sidecar = new CaptureSidecar({ out, port: 0, upstream: 'sink' });
    const flows: string[] = [];
    sidecar.on('flow', (flow) => flows.push(summarizeFlow(flow)));
    await sidecar.start();
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true });
    try {
      const visit = `/article/${Math.random().toString(36).slice(2, 10)}`;
      await send({ host: '127.0.0.1', port: sidecar.port, path: `http://news.example${visit}`, headers: { host: 'news.example', accept: 'text/html' } }, undefined, false);
      const form = Buffer.from(`event=page_load&url=${encodeURIComponent(`https://news.example${visit}`)}`);
      await send({ host: 'telemetry.example', port: 443, method: 'POST', path: '/track?project=demo', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': form.length } }, form, true);
      const gz = gzipSync(JSON.stringify([{ event: 'search', search_word: 'phonehome demo' }]));
      await send({ host: 'telemetry.example', port: 443, method: 'POST', path: '/batch', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length } }, gz, true);
    } catch (error) {
      throw new PhonehomeError(`phonehome demo: a request through the sidecar failed: ${(error as Error).message}`);
    } finally {
      agent.destroy();
      await sidecar.stop();
    }
    for (const line of flows) io.out(line);
    io.out(`capture folder: ${sidecar.out}`);
    io.out(`as HAR: node harness/phonehome.js har ${path.relative(process.cwd(), sidecar.out) || '.'}`);
    return flows.length === 3 ? 0 : 2;
  },
};
