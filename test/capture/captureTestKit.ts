// Shared by the capture tests: temp folders, a CA home, requests through the sidecar, a local TLS origin.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFlows, type Flow } from '../../harness/capture/index.js';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

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

/** The phonehome command the tests spawn (compiled when the build is fresh: test/phonehomeBin.ts). */
export const BIN = PHONEHOME_BIN;

export interface Ready { ready: true; port: number; out: string; pid: number }

/**
 * Spawns `phonehome capture --port 0 --out OUT` and waits for its ready line. One relaying process
 * (--workers 1) unless extraArgs say otherwise: these tests are about the sidecar itself, and forking
 * a worker per core would only slow them (the cluster has its own tests).
 */
export async function startCaptureProcess(out: string, home: string, extraArgs: string[] = [], timeoutMs = 20_000): Promise<SidecarProcess> {
  const workers = extraArgs.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, [BIN, 'capture', '--port', '0', '--out', out, ...workers, ...extraArgs], {
    env: { ...process.env, PHONEHOME_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error(`capture exited early: ${stderr}`); })])) as [string];
  clearTimeout(timer);
  return { child, ready: JSON.parse(line) as Ready, stderr: () => stderr };
}


/** The bytes of one short (< 126 bytes) WebSocket frame; client frames are masked, as RFC 6455 requires. */
export function wsFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  if (!masked) return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
  return frame(opcode, payload);
}

/** Parses complete short frames off the front of `buffer`; returns their payloads and the rest. */
export function takeFrames(buffer: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  for (;;) {
    if (buffer.length < 2) break;
    const masked = (buffer[1]! & 0x80) !== 0;
    const len = buffer[1]! & 0x7f;
    const head = 2 + (masked ? 4 : 0);
    if (len >= 126) throw new Error('test frames are short');
    if (buffer.length < head + len) break;
    let payload = buffer.subarray(head, head + len);
    if (masked) {
      const mask = buffer.subarray(2, 6);
      payload = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    }
    frames.push({ opcode: buffer[0]! & 0x0f, payload });
    buffer = buffer.subarray(head + len);
  }
  return { frames, rest: buffer };
}

/**
 * A WebSocket origin (RFC 6455 by hand, short frames only) on a local HTTP(S) server: answers each
 * text message with `echo: <text>`. Attach with `server.on('upgrade', webSocketEchoOrigin)`.
 */
export function webSocketEchoOrigin(req: http.IncomingMessage, socket: import('node:stream').Duplex): void {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const { frames, rest } = takeFrames(Buffer.concat([buffer, chunk]));
    buffer = rest;
    for (const f of frames) {
      if (f.opcode === 0x8) {
        socket.end(wsFrame(0x8, f.payload, false));
        return;
      }
      if (f.opcode === 0x1) socket.write(wsFrame(0x1, Buffer.from(`echo: ${f.payload.toString()}`), false));
    }
  });
  socket.on('error', () => socket.destroy());
}

/** A WebSocket client through the proxy that stays open: send text, await replies, close or drop. */
export interface OpenWebSocket {
  send(text: string): void;
  /** The next text message, within 10 s. */
  next(): Promise<string>;
  close(): void;
  destroy(): void;
}

export function openWebSocket(proxyPort: number, url: string): Promise<OpenWebSocket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: proxyPort });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('WebSocket upgrade timed out')); }, 10_000);
    let buffer: Buffer = Buffer.alloc(0);
    let upgraded = false;
    const inbox: string[] = [];
    const waiting: Array<(text: string) => void> = [];
    const ws: OpenWebSocket = {
      send: (text) => socket.write(frame(0x1, Buffer.from(text))),
      next: () => {
        const ready = inbox.shift();
        if (ready !== undefined) return Promise.resolve(ready);
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error('no WebSocket message within 10 s')), 10_000);
          waiting.push((text) => { clearTimeout(t); res(text); });
        });
      },
      close: () => socket.end(frame(0x8, Buffer.from([0x03, 0xe8]))),
      destroy: () => socket.destroy(),
    };
    socket.once('connect', () => {
      socket.write(`GET ${url.replace(/^ws/, 'http')} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const status = Number(buffer.subarray(0, end).toString().split(' ')[1]);
        buffer = buffer.subarray(end + 4);
        clearTimeout(timer);
        if (status !== 101) { socket.destroy(); reject(new Error(`WebSocket upgrade answered ${status}`)); return; }
        upgraded = true;
        resolve(ws);
      }
      const { frames, rest } = takeFrames(buffer);
      buffer = rest;
      for (const f of frames) {
        if (f.opcode !== 0x1) continue;
        const wake = waiting.shift();
        if (wake) wake(f.payload.toString());
        else inbox.push(f.payload.toString());
      }
    });
    socket.once('error', (e) => { clearTimeout(timer); if (!upgraded) reject(e); });
  });
}

/** An HTTP/2 client session to https://host:port through the proxy's CONNECT tunnel, trusting `ca`. */
export async function h2SessionViaProxy(proxyPort: number, host: string, port: number, ca: string): Promise<import('node:http2').ClientHttp2Session> {
  const { openTunnel } = await import('../../harness/capture/index.js');
  const http2 = await import('node:http2');
  const tls = await import('node:tls');
  const tunnel = await openTunnel({ host: '127.0.0.1', port: proxyPort }, host, port);
  return http2.connect(`https://${host}:${port}`, {
    createConnection: () => tls.connect({ socket: tunnel as net.Socket, servername: host, ca, ALPNProtocols: ['h2'] }),
  });
}

export interface CurlResult {
  /** The response's status line as the client read it, e.g. `HTTP/1.0 200 OK`. */
  statusLine: string;
  headers: string;
  body: string;
}

/**
 * Debian's curl through the proxy (`--proxy`), trusting `caFile`; `-i` output split at the last
 * response head (a CONNECT's own 200 comes first for HTTPS). Asynchronous: an in-process sidecar
 * must keep running while curl waits on it.
 */
export async function curlViaProxy(proxyUrl: string, caFile: string, url: string, args: string[] = []): Promise<CurlResult> {
  const { execFile } = await import('node:child_process');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('curl', ['-sS', '-i', '--max-time', '15', '--proxy', proxyUrl, '--cacert', caFile, ...args, url], { encoding: 'latin1', timeout: 20_000 }, (error, out, err) =>
      error ? reject(new Error(`curl ${args.join(' ')} ${url} failed: ${error.message} ${err}`)) : resolve(out));
  });
  const heads = [...stdout.matchAll(/HTTP\/[\d.]+ \d{3}[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/g)];
  const last = heads.at(-1);
  if (!last) throw new Error(`curl printed no response head: ${stdout.slice(0, 300)}`);
  const head = last[0];
  return { statusLine: head.slice(0, head.indexOf('\r\n')).trim(), headers: head, body: stdout.slice(last.index! + head.length) };
}
