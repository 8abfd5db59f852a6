import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { OngoingRequest, OngoingResponse } from 'mockttp';
import type { ExchangeRecord } from './exchangeRecord.js';
import type { FlowRecorder } from './flowRecorder.js';
import { headerValue, http1ResponseHeaders, http2RequestHeaders, http2ResponseHeaders, http2Trailers, pairHeaders, upstreamRequestHeaders } from './headerForwarding.js';
import { http10Connection } from './http10.js';
import { drained, StreamGate } from './streamGate.js';
import { describeTls } from './tlsDetails.js';
import { H2UpstreamRequest, type H2UpstreamResponse, type UpstreamSession } from './upstreamH2.js';
import type { UpstreamPool } from './upstreamPool.js';
import type { Header } from './types.js';

/** A request to the real server: Node's HTTP/1 ClientRequest, or a stream on an HTTP/2 session. */
type UpstreamCall = http.ClientRequest | H2UpstreamRequest;
type UpstreamResponse = http.IncomingMessage | H2UpstreamResponse;

/** An upstream connection silent this long is given up (the flow says so). */
export const UPSTREAM_IDLE_TIMEOUT_MS = 120_000;
/**
 * When the response ends before the client finished sending its request body (a server answering
 * early), the flow waits this long for the rest of the body before it is written without it.
 */
const REQUEST_TAIL_GRACE_MS = 2000;

export interface UpstreamForwarderOptions {
  pool: UpstreamPool;
  recorder: FlowRecorder;
  /** True when host:port is the sidecar itself: forwarding there would loop forever. */
  isSelf: (host: string, port: number) => boolean;
}

/** Why an upstream request failed, in one line, with the fix when there is one. */
function describeUpstreamError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'ERROR';
  const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code)
    ? ' (the server certificate is not trusted; for a local test origin pass --upstream-ca FILE)'
    : '';
  return `${code}: ${error.message}${hint}`;
}

function plainResponse(response: OngoingResponse, http2: boolean, status: number, text: string): { headers: Header[]; body: Buffer } {
  const body = Buffer.from(text + '\n');
  const headers: Header[] = [['content-type', 'text/plain; charset=utf-8'], ['content-length', String(body.length)], ['cache-control', 'no-store']];
  response.writeHead(status, http2 ? http2ResponseHeaders(headers) : http1ResponseHeaders(headers));
  return { headers, body };
}

/**
 * Live mode: relays each exchange to the real server in the client's HTTP version where the server
 * speaks it (HTTP/2 when the client speaks h2 and the origin offers h2 by ALPN, HTTP/1.0 for a 1.0
 * client, HTTP/1.1 otherwise), trailers included both ways, over a pooled keep-alive connection, streaming
 * both bodies through (and into the record) with backpressure, so memory stays bounded whatever
 * their size. The flow line is written before the client can have the whole response: the bytes
 * that complete a declared Content-Length, or the end of a chunked / HTTP/2 body, are held until
 * the flow is on disk.
 */
export class UpstreamForwarder {
  constructor(private readonly options: UpstreamForwarderOptions) {}

  forward(request: OngoingRequest, response: OngoingResponse): Promise<void> {
    const record = this.options.recorder.exchange(request.id);
    if (!record) return Promise.reject(new Error(`phonehome capture: no record for request ${request.id} (the recording matcher did not run)`));
    return new Relay(request, response, record, this.options).run();
  }
}

/** One exchange being relayed. */
class Relay {
  readonly #http2: boolean;
  readonly #http10: boolean;
  #upstream: UpstreamCall | undefined;
  #upstreamResponse: UpstreamResponse | undefined;
  #requestGate: StreamGate;
  #retried = false;
  #done = false;
  #resolve: () => void = () => {};

  constructor(
    private readonly request: OngoingRequest,
    private readonly response: OngoingResponse,
    private readonly record: ExchangeRecord,
    private readonly options: UpstreamForwarderOptions,
  ) {
    this.#http2 = request.httpVersion.startsWith('2');
    this.#http10 = request.httpVersion === '1.0';
    this.#requestGate = new StreamGate(request);
  }

  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      const { hostname, port } = this.request.destination;
      const host = hostname.replace(/^\[(.*)\]$/, '$1');
      if (this.options.isSelf(host, port)) {
        void this.#failBeforeResponse(508, `loop: ${host}:${port} is the capture sidecar itself; requests must name the real server`);
        return;
      }
      this.response.once('close', () => {
        if (!this.response.writableFinished) void this.#clientGone();
      });
      this.#relayRequestBody();
      this.#send(host, port);
    });
  }

  /** Streams the client's body to the upstream request (whichever is current) and into the record. */
  #relayRequestBody(): void {
    const request = this.request;
    const gate = this.#requestGate;
    request.on('data', (chunk: Buffer) => {
      if (!this.record.requestChunk(chunk)) gate.hold(this.record.requestWritable());
      const upstream = this.#upstream;
      if (upstream && !upstream.write(chunk)) gate.hold(drained(upstream));
    });
    request.once('end', () => {
      this.record.endRequest(false);
      if (this.#upstream) this.#endUpstream(this.#upstream);
    });
  }

  /** Ends the upstream request, with the client's trailers when it sent any. */
  #endUpstream(upstream: UpstreamCall): void {
    const trailers = this.record.requestTrailerFields;
    // On HTTP/1.1 they go out only with a chunked body (Node drops them after a Content-Length one).
    if (trailers.length > 0) upstream.addTrailers(trailers);
    upstream.end();
  }

  #send(host: string, port: number): void {
    const secure = this.request.protocol === 'https';
    const sni = this.record.flow.tls?.sni;
    const hostHeader = headerValue(this.request.rawHeaders, 'host') ?? headerValue(this.request.rawHeaders, ':authority');
    const nameFromHost = hostHeader?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    // Verify (and name, by SNI) the server the client meant: its SNI, else its Host, else the address it tunnelled to.
    const servername = [sni, nameFromHost, host].find((n) => n !== undefined && n !== '' && isIP(n) === 0);
    if (secure && this.#http2) {
      // The client speaks h2: so does the relay, where the origin offers it. The request body waits
      // (paused) until it is known which connection it goes on.
      const session = this.options.pool.h2.session(host, port, servername);
      this.#requestGate.hold(session);
      void session.then((s) => {
        if (this.#done) return;
        if (s) this.#sendH2(s, host, port);
        else this.#sendH1(secure, host, port, servername);
      });
      return;
    }
    this.#sendH1(secure, host, port, servername);
  }

  #sendH2(session: UpstreamSession, host: string, port: number): void {
    let upstream: H2UpstreamRequest;
    try {
      upstream = new H2UpstreamRequest(session, http2RequestHeaders(this.request.rawHeaders));
    } catch (error) {
      void this.#failBeforeResponse(502, `upstream ${host}:${port} failed: ${(error as Error).message}`);
      return;
    }
    this.record.upstream({ httpVersion: '2', ...(session.tls ? { tls: session.tls } : {}) });
    this.#watch(upstream, host, port);
  }

  #sendH1(secure: boolean, host: string, port: number, servername: string | undefined): void {
    const options: https.RequestOptions = {
      host,
      port,
      method: this.request.method,
      path: this.request.path || '/',
      headers: upstreamRequestHeaders(this.request.rawHeaders, this.#http2),
      ...(secure && servername ? { servername } : {}),
    };
    // HTTP/1.0 gets a connection of its own, closed after the exchange, whose request line says 1.0.
    if (this.#http10) options.createConnection = () => http10Connection({ secure, host, port, ...(servername ? { servername } : {}), ...(this.options.pool.secureContext ? { secureContext: this.options.pool.secureContext } : {}) });
    else options.agent = this.options.pool.agent(secure);
    const upstream = (secure ? https : http).request(options);
    this.record.upstream({ httpVersion: this.#http10 ? '1.0' : '1.1' });
    if (secure) {
      upstream.once('socket', (socket) => {
        const note = () => {
          const details = describeTls(socket, servername);
          if (details) this.record.upstream({ ...(this.record.flow.upstream ?? { httpVersion: '1.1' }), tls: details });
        };
        if ((socket as { encrypted?: boolean; connecting?: boolean }).connecting === false && (socket as import('node:tls').TLSSocket).getProtocol?.()) note();
        else socket.once('secureConnect', note);
      });
    }
    this.#watch(upstream, host, port);
  }

  #watch(upstream: UpstreamCall, host: string, port: number): void {
    this.#upstream = upstream;
    upstream.setTimeout(UPSTREAM_IDLE_TIMEOUT_MS, () => upstream.destroy(Object.assign(new Error(`no data for ${UPSTREAM_IDLE_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    upstream.once('response', (upstreamResponse: UpstreamResponse) => this.#relayResponse(upstreamResponse));
    upstream.on('error', (error: NodeJS.ErrnoException) => this.#upstreamFailed(upstream, error, host, port));
    if (this.record.requestEnded) this.#endUpstream(upstream);
  }

  #upstreamFailed(upstream: UpstreamCall, error: NodeJS.ErrnoException, host: string, port: number): void {
    if (this.#done || upstream !== this.#upstream) return;
    if (this.#upstreamResponse) return; // the response side reports it
    // A pooled connection the server closed while idle fails on first use: one retry on another
    // connection, for requests whose (empty) body has not started to flow.
    if (upstream.reusedSocket && !this.#retried && this.record.requestEnded && this.record.requestBytes === 0 && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
      this.#retried = true;
      this.#send(host, port);
      return;
    }
    if (error.code === 'ECONNREFUSED' || error.code === 'ETIMEDOUT') this.record.upstreamIp((error as { address?: string }).address);
    const why = describeUpstreamError(error);
    void this.#failBeforeResponse(502, `upstream ${host}:${port} failed: ${why}`, `upstream failed: ${why}`);
  }

  /** Answers the client ourselves (no upstream response to relay), after the flow is written. */
  async #failBeforeResponse(status: number, text: string, error: string = text): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#upstream?.destroy();
    const { response, record } = this;
    if (response.headersSent || response.destroyed) {
      await this.options.recorder.complete(record, error);
      response.destroy();
      this.#resolve();
      return;
    }
    let body: Buffer | undefined;
    try {
      const reply = plainResponse(response, this.#http2, status, `phonehome capture: ${text}`);
      record.respond(status, http.STATUS_CODES[status] ?? '', reply.headers);
      record.responseChunk(reply.body);
      body = reply.body;
    } catch {
      /* the client connection is already unusable */
    }
    // The client is told by the response; a request body still arriving is not waited for.
    await this.options.recorder.complete(record, error, { responseComplete: true });
    if (body && !response.destroyed) response.end(body);
    else response.destroy();
    this.#resolve();
  }

  #relayResponse(upstreamResponse: UpstreamResponse): void {
    if (this.#done) {
      upstreamResponse.destroy();
      return;
    }
    this.#upstreamResponse = upstreamResponse;
    const { response, record } = this;
    record.upstreamIp(upstreamResponse.socket?.remoteAddress);
    const side = record.flow.upstream;
    const answeredIn = upstreamResponse.httpVersion === '2.0' ? '2' : upstreamResponse.httpVersion;
    // The version the server answered in, when not the one asked in (an HTTP/1.1 server answers a 1.0 request as 1.1).
    if (side && answeredIn !== side.httpVersion) record.upstream({ ...side, responseVersion: answeredIn });
    const status = upstreamResponse.statusCode ?? 502;
    const headers = pairHeaders(upstreamResponse.rawHeaders);
    const writeHead = () => {
      // Mirror the server: no Date header of our own.
      response.sendDate = false;
      if (this.#http2) response.writeHead(status, http2ResponseHeaders(headers));
      else response.writeHead(status, upstreamResponse.statusMessage ?? '', http1ResponseHeaders(headers));
    };
    // A response without a body is whole once its head arrives (HTTP/2 sends the head at once and
    // ends the stream): its head waits for the flow like the last bytes of a body do.
    const bodiless = this.request.method === 'HEAD' || status === 204 || status === 205 || status === 304;
    if (!bodiless) {
      try {
        writeHead();
      } catch (error) {
        // Headers Node refuses to send (invalid characters): nothing sensible can reach the client.
        this.#upstreamResponse = undefined;
        upstreamResponse.destroy();
        void this.#failBeforeResponse(502, `upstream response not relayable: ${(error as Error).message}`);
        return;
      }
    }
    record.respond(status, upstreamResponse.statusMessage ?? '', headers);

    const declared = Number(upstreamResponse.headers['content-length']);
    const hasDeclaredLength = upstreamResponse.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared > 0;
    let received = 0;
    let held: Buffer[] = [];
    const gate = new StreamGate(upstreamResponse);
    upstreamResponse.on('data', (chunk: Buffer) => {
      if (!record.responseChunk(chunk)) gate.hold(record.responseWritable());
      received += chunk.length;
      if (hasDeclaredLength && received >= declared) {
        // These bytes complete the body: the client gets them once the flow is on disk.
        held.push(chunk);
        return;
      }
      if (!response.write(chunk)) gate.hold(drained(response));
    });
    upstreamResponse.once('end', () => {
      void this.#finish(upstreamResponse, held, bodiless ? writeHead : undefined);
      held = [];
    });
    upstreamResponse.once('error', (error: NodeJS.ErrnoException) => void this.#responseCutShort(error));
    upstreamResponse.once('aborted', () => void this.#responseCutShort(Object.assign(new Error('the server closed the connection mid-response'), { code: 'ECONNRESET' })));
  }

  async #finish(upstreamResponse: UpstreamResponse, held: Buffer[], deferredHead?: () => void): Promise<void> {
    if (this.#done) return;
    const { response, record } = this;
    if (!record.requestEnded) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([record.requestDone(), new Promise<void>((resolve) => (timer = setTimeout(resolve, REQUEST_TAIL_GRACE_MS)))]);
      clearTimeout(timer);
      if (this.#done) return;
    }
    this.#done = true;
    const trailers = pairHeaders(upstreamResponse.rawTrailers);
    if (trailers.length > 0) {
      record.responseTrailers(trailers);
      try {
        // HTTP/2: a trailing HEADERS frame (Node's compat response waits for trailers). HTTP/1.1:
        // the chunked body's trailer section; a response with a Content-Length has none (RFC 9112
        // §7.1.2), so there they are recorded but cannot reach the client.
        if (this.#http2) response.addTrailers(http2Trailers(trailers));
        else response.addTrailers(trailers);
      } catch {
        /* a trailer field Node refuses to send: recorded all the same */
      }
    }
    await this.options.recorder.complete(record, record.requestEnded ? undefined : 'the server answered before the client sent the whole request body', { responseComplete: true });
    if (response.destroyed) return this.#resolve();
    try {
      deferredHead?.();
    } catch {
      response.destroy();
      return this.#resolve();
    }
    response.end(held.length === 0 ? undefined : held.length === 1 ? held[0] : Buffer.concat(held));
    this.#resolve();
  }

  /** The server hung up mid-body: the client must see a broken response, not a short one that looks whole. */
  async #responseCutShort(error: NodeJS.ErrnoException): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.options.recorder.complete(this.record, `upstream failed mid-response: ${describeUpstreamError(error)}`);
    this.response.destroy();
    this.#resolve();
  }

  async #clientGone(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#upstream?.destroy();
    this.#upstreamResponse?.destroy();
    const phase = this.record.requestEnded ? 'the response completed' : 'sending the whole request';
    this.response.destroy();
    await this.options.recorder.complete(this.record, `aborted: the client closed the connection before ${phase}`);
    this.#resolve();
  }
}
