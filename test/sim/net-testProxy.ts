// An intercepting HTTP(S) proxy for the apps/net tests, bound to 127.0.0.1 on an ephemeral port:
// plain requests in absolute form, CONNECT tunnels terminated with a leaf certificate issued (by
// openssl) from a test CA for the SNI name. It records requests and rejected handshakes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export class TestCA {
  readonly dir: string;
  readonly certPem: string;
  private readonly leaves = new Map<string, tls.SecureContext>();

  constructor(name: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `phonehome-simnet-${name}-`));
    const key = path.join(this.dir, 'ca.key');
    const cert = path.join(this.dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=phonehome test CA ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    this.certPem = fs.readFileSync(cert, 'utf8');
  }

  /** A TLS context for `host`, issued by this CA (cached). */
  contextFor(host: string): tls.SecureContext {
    const cached = this.leaves.get(host);
    if (cached) return cached;
    const base = path.join(this.dir, host.replace(/[^a-z0-9.-]/gi, '_'));
    const san = net.isIP(host) ? `IP:${host}` : `DNS:${host}`;
    fs.writeFileSync(`${base}.ext`, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${host}`, '-keyout', `${base}.key`, '-out', `${base}.csr`], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', path.join(this.dir, 'ca.pem'), '-CAkey', path.join(this.dir, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', `${base}.ext`, '-out', `${base}.pem`], { stdio: 'ignore' });
    const context = tls.createSecureContext({ key: fs.readFileSync(`${base}.key`), cert: fs.readFileSync(`${base}.pem`) });
    this.leaves.set(host, context);
    return context;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  scheme: 'http' | 'https';
  method: string;
  host: string;
  url: string; // full URL
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** SNI the client sent (https only). */
  sni?: string;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Never answer (for timeout tests). */
  hang?: boolean;
}

export class InterceptingProxy {
  readonly requests: SeenRequest[] = [];
  readonly connects: string[] = [];
  /** Handshakes the client dropped or failed (the capture's "tls-rejected"). */
  readonly tlsRejections: Array<{ host: string; reason: string }> = [];
  port = 0;
  /** Answers per request; default 200 with a small HTML page. */
  answer: (req: SeenRequest) => Answer = () => ({ body: '<html><head><title>ok</title></head><body>ok</body></html>' });
  /** Refuse CONNECT to these hosts with this status. */
  refuseConnect = new Map<string, number>();
  private readonly server: http.Server;
  private readonly inner: http.Server;
  private readonly sockets = new Set<net.Socket | tls.TLSSocket>();
  private waiters: Array<() => void> = [];
  private readonly socketsWithRequests = new WeakSet<object>();

  constructor(private readonly ca: TestCA) {
    const handle = (scheme: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const host = (req.headers.host ?? '').replace(/:\d+$/, '');
        const url = scheme === 'http' ? req.url ?? '' : `https://${req.headers.host}${req.url}`;
        const sni = scheme === 'https' ? ((req.socket as tls.TLSSocket & { servername?: string | false }).servername || undefined) : undefined;
        const seen: SeenRequest = { scheme, method: req.method ?? '', host, url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), sni };
        this.requests.push(seen);
        this.socketsWithRequests.add(req.socket);
        for (const wake of this.waiters.splice(0)) wake();
        const answer = this.answer(seen);
        if (answer.hang) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...(answer.headers ?? {}) });
        res.end(answer.body ?? '');
      });
    };
    this.inner = http.createServer(handle('https'));
    this.server = http.createServer(handle('http'));
    this.server.on('connection', (s: net.Socket) => this.track(s));
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const authority = req.url ?? '';
      this.connects.push(authority);
      const host = authority.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      const refused = this.refuseConnect.get(host);
      if (refused) {
        socket.end(`HTTP/1.1 ${refused} Refused\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.ca.contextFor(host), SNICallback: (name, cb) => cb(null, this.ca.contextFor(name)) });
      this.track(secure);
      let established = false;
      secure.on('secure', () => (established = true));
      secure.on('error', (error) => {
        this.tlsRejections.push({ host, reason: error.message });
        for (const wake of this.waiters.splice(0)) wake();
      });
      secure.on('close', () => {
        // Closed mid-handshake, or after it without a byte: the client did not trust our certificate.
        if (!this.socketsWithRequests.has(secure)) {
          this.tlsRejections.push({ host, reason: established ? 'closed after handshake without data' : 'closed during handshake' });
          for (const wake of this.waiters.splice(0)) wake();
        }
      });
      this.inner.emit('connection', secure);
    });
  }

  private track(socket: net.Socket | tls.TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Resolves once `predicate` holds (checked after each request or rejection), or rejects after `ms`. */
  async waitFor(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
