// Shared by the capture tests: temp folders, a CA home, requests through the sidecar, a local TLS origin.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFlows, type Flow } from '../../harness/capture/index.js';

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `phonehome-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function collectFlows(dir: string): Promise<Flow[]> {
  const flows: Flow[] = [];
  for await (const flow of readFlows(dir)) flows.push(flow);
  return flows;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request; resolves with the whole (raw, undecoded) response. Bounded by a timeout. */
export function request(
  secure: boolean,
  options: https.RequestOptions,
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({ timeout: 15_000, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
    req.end(body);
  });
}

/** Plain HTTP through the proxy (absolute-form request line, as a phone's browser sends it). */
export function httpViaProxy(proxyPort: number, url: string, options: http.RequestOptions = {}, body?: Buffer | string): Promise<Reply> {
  const u = new URL(url);
  return request(false, { host: '127.0.0.1', port: proxyPort, path: url, ...options, headers: { host: u.host, ...(options.headers ?? {}) } }, body);
}

/** A self-signed certificate for localhost / 127.0.0.1 (made by openssl), for local TLS origins. */
export function selfSignedOriginCert(dir: string): { key: string; cert: string } {
  const keyFile = path.join(dir, 'origin-key.pem');
  const certFile = path.join(dir, 'origin.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}

export function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

export function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A minimal WebSocket client (RFC 6455) over a plain-HTTP proxy: sends one masked text message,
 * waits for one message back, closes. Enough to test capture without a WebSocket library.
 */
export function webSocketRoundTrip(proxyPort: number, url: string, text: string): Promise<{ status: number; reply: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: proxyPort });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('WebSocket round trip timed out')); }, 10_000);
    const key = randomBytes(16).toString('base64');
    let buffer = Buffer.alloc(0);
    let status = 0;
    socket.once('connect', () => {
      socket.write(`GET ${url.replace(/^ws/, 'http')} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (status === 0) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = Number(buffer.subarray(0, end).toString().split(' ')[1]);
        buffer = buffer.subarray(end + 4);
        if (status !== 101) { clearTimeout(timer); socket.destroy(); resolve({ status, reply: '' }); return; }
        socket.write(frame(0x1, Buffer.from(text)));
      }
      if (buffer.length >= 2) {
        const len = buffer[1]! & 0x7f; // short messages only
        if (buffer.length < 2 + len) return;
        const reply = buffer.subarray(2, 2 + len).toString();
        socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
        clearTimeout(timer);
        socket.end();
        resolve({ status, reply });
      }
    });
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Flows of `dir` once at least `count` of them satisfy `predicate`. */
export function flowsWhen(dir: string, predicate: (f: Flow) => boolean, count = 1): Promise<Flow[]> {
  return eventually(async () => {
    const flows = await collectFlows(dir);
    return flows.filter(predicate).length >= count ? flows : undefined;
  }, `${count} matching flow(s) in ${dir}`);
}

export interface SidecarProcess { child: ChildProcess; ready: Ready; stderr: () => string }

/** Spawns `phonehome capture --port 0 --out OUT` and waits for its ready line. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'harness', 'phonehome.js');

export interface Ready { ready: true; port: number; out: string; pid: number }

export async function startCaptureProcess(out: string, home: string): Promise<SidecarProcess> {
  const child = spawn(process.execPath, [BIN, 'capture', '--port', '0', '--out', out], {
    env: { ...process.env, PHONEHOME_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error(`capture exited early: ${stderr}`); })])) as [string];
  clearTimeout(timer);
  return { child, ready: JSON.parse(line) as Ready, stderr: () => stderr };
}

