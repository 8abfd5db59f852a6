import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import tls from 'node:tls';
import { describeTls } from './tlsDetails.js';
import type { Header, TlsDetails } from './types.js';

/** An origin found not to offer h2 is asked again after this long (servers get upgraded). */
const NO_H2_MEMORY_MS = 10 * 60_000;
/** A session idle this long is closed (its streams all ended). */
const SESSION_IDLE_MS = 60_000;

/** An open HTTP/2 connection to one origin, with the TLS it was negotiated over. */
export interface UpstreamSession {
  session: http2.ClientHttp2Session;
  tls: TlsDetails | undefined;
  remoteAddress: string | undefined;
}

/**
 * Live mode's HTTP/2 connections upstream, one per origin (host, port, SNI) shared by every client
 * stream to it. Whether an origin speaks h2 is learnt the way browsers learn it: the TLS handshake
 * offers `h2, http/1.1` by ALPN (RFC 7301; RFC 9113 §3.2) and the server picks. An origin that picks
 * HTTP/1.1, or no ALPN at all, is remembered as such for a while and served by the HTTP/1.1 pool.
 */
export class UpstreamH2Sessions {
  /** Connections being opened (and ALPN learnt), by origin. */
  readonly #opening = new Map<string, Promise<UpstreamSession | undefined>>();
  readonly #open = new Map<string, UpstreamSession>();
  readonly #noH2 = new Map<string, number>();
  #destroyed = false;

  constructor(private readonly secureContext: tls.SecureContext | undefined) {}

  /** An h2 session to the origin, or undefined when it does not offer h2 (or the TLS connection failed: HTTP/1.1 reports that). */
  session(host: string, port: number, servername: string | undefined): Promise<UpstreamSession | undefined> {
    const key = `${host}|${port}|${servername ?? ''}`;
    const refused = this.#noH2.get(key);
    if (refused !== undefined && Date.now() - refused < NO_H2_MEMORY_MS) return Promise.resolve(undefined);
    const open = this.#open.get(key);
    if (open && !open.session.closed && !open.session.destroyed) return Promise.resolve(open);
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = this.#connect(key, host, port, servername).finally(() => this.#opening.delete(key));
      this.#opening.set(key, opening);
    }
    return opening;
  }

  #connect(key: string, host: string, port: number, servername: string | undefined): Promise<UpstreamSession | undefined> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host, port, ALPNProtocols: ['h2', 'http/1.1'], ...(servername ? { servername } : {}), ...(this.secureContext ? { secureContext: this.secureContext } : {}) });
      const fail = () => {
        socket.destroy();
        resolve(undefined);
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        socket.off('error', fail);
        if (this.#destroyed || socket.alpnProtocol !== 'h2') {
          if (!this.#destroyed) this.#noH2.set(key, Date.now());
          fail();
          return;
        }
        const details = describeTls(socket, servername);
        const remoteAddress = socket.remoteAddress;
        const authority = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
        const session = http2.connect(authority, { createConnection: () => socket });
        const current: UpstreamSession = { session, tls: details, remoteAddress };
        const forget = () => {
          if (this.#open.get(key) === current) this.#open.delete(key);
        };
        session.once('close', forget);
        session.once('goaway', forget);
        session.on('error', forget); // each stream reports its own failure
        session.setTimeout(SESSION_IDLE_MS, () => session.close());
        this.#open.set(key, current);
        resolve(current);
      });
    });
  }

  destroy(): void {
    this.#destroyed = true;
    for (const open of this.#open.values()) open.session.destroy();
    this.#open.clear();
  }
}

/**
 * The response of an HTTP/2 upstream stream in the shape the relay reads an HTTP/1 response in
 * (Node's IncomingMessage members it uses): status, flat raw headers and trailers, the body as
 * 'data' / 'end' events, 'aborted' when the stream closes without ending.
 */
export class H2UpstreamResponse extends EventEmitter {
  readonly statusCode: number;
  readonly statusMessage = '';
  readonly httpVersion = '2.0';
  readonly rawHeaders: string[];
  rawTrailers: string[] = [];
  readonly headers: http2.IncomingHttpHeaders;
  readonly socket: { remoteAddress?: string };

  constructor(private readonly stream: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, rawHeaders: string[], remoteAddress: string | undefined) {
    super();
    this.statusCode = Number(headers[':status'] ?? 502);
    this.headers = headers;
    this.rawHeaders = withoutPseudo(rawHeaders);
    this.socket = remoteAddress ? { remoteAddress } : {};
    let ended = false;
    stream.on('trailers', (_trailers: unknown, _flags: unknown, raw: string[] | undefined) => {
      this.rawTrailers = withoutPseudo(raw ?? []);
    });
    stream.on('data', (chunk: Buffer) => this.emit('data', chunk));
    stream.once('end', () => {
      ended = true;
      this.emit('end');
    });
    stream.once('error', (error: Error) => this.emit('error', error));
    stream.once('close', () => {
      if (!ended) this.emit('aborted');
    });
  }

  get destroyed(): boolean {
    return this.stream.destroyed;
  }

  pause(): this {
    this.stream.pause();
    return this;
  }

  resume(): this {
    this.stream.resume();
    return this;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * One request on an HTTP/2 upstream session, in the shape the relay drives an HTTP/1 ClientRequest
 * in: write / end / destroy, 'drain', 'error', and 'response' with an H2UpstreamResponse.
 * Trailers given before end() go out as a trailing HEADERS frame (`waitForTrailers`); with none,
 * Node ends the stream with an empty DATA frame instead.
 */
export class H2UpstreamRequest extends EventEmitter {
  readonly reusedSocket: boolean;
  readonly #stream: http2.ClientHttp2Stream;
  #trailers: Header[] = [];

  constructor(upstream: UpstreamSession, headers: http2.OutgoingHttpHeaders) {
    super();
    this.reusedSocket = false;
    const stream = upstream.session.request(headers, { endStream: false, waitForTrailers: true });
    this.#stream = stream;
    stream.on('wantTrailers', () => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of this.#trailers) {
        const lower = name.toLowerCase();
        const existing = out[lower];
        out[lower] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
      try {
        stream.sendTrailers(out);
      } catch (error) {
        stream.destroy(error as Error);
      }
    });
    stream.once('response', (head, _flags, raw?: string[]) => {
      this.emit('response', new H2UpstreamResponse(stream, head, raw ?? flatten(head), upstream.remoteAddress));
    });
    stream.on('drain', () => this.emit('drain'));
    stream.once('close', () => this.emit('close'));
    stream.once('error', (error: Error) => this.emit('error', error));
  }

  setTimeout(ms: number, onTimeout: () => void): void {
    this.#stream.setTimeout(ms, onTimeout);
  }

  addTrailers(trailers: Header[]): void {
    this.#trailers = trailers;
  }

  write(chunk: Buffer): boolean {
    return this.#stream.write(chunk);
  }

  end(): void {
    this.#stream.end();
  }

  destroy(error?: Error): void {
    this.#stream.destroy(error);
  }
}

function withoutPseudo(flat: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) if (!flat[i]!.startsWith(':')) out.push(flat[i]!, flat[i + 1]!);
  return out;
}

function flatten(headers: http2.IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, String(v));
  }
  return out;
}
