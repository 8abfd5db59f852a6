import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import * as mockttp from 'mockttp';
import type { OngoingResponse } from 'mockttp';
import { PhonehomeError } from '../errors.js';
import { CaptureFolder } from './captureFolder.js';
import { loadOrCreateCa, phonehomeHome, type CertificateAuthority } from './certificateAuthority.js';
import { exchangeStep, listeningServer, MOCKTTP_VERIFIED, tapMatcher, type ExchangeHandler } from './mockttpSeam.js';
import { FlowRecorder } from './flowRecorder.js';
import { answerInHttp10 } from './http10.js';
import { answerFromSink } from './sinkExchange.js';
import { UpstreamForwarder } from './upstreamForwarder.js';
import { UpstreamPool } from './upstreamPool.js';
import { isRouteProbeHost } from './routeProbe.js';
import { HEARTBEAT_MS, type BlindSpot, type Flow } from './types.js';

export type UpstreamMode = 'live' | 'sink';

export interface CaptureSidecarOptions {
  /** Capture folder (created if missing). */
  out: string;
  /** 0 (default) picks a free port; read it back from `port` after start(). */
  port?: number;
  /** Bind address, 127.0.0.1 by default. Anything else makes the proxy reachable by others. */
  host?: string;
  /** 'sink' (default) answers everything itself; 'live' passes requests to the real servers. */
  upstream?: UpstreamMode;
  /** The CA to intercept with; by default the per-install CA under `home`. */
  ca?: CertificateAuthority;
  /** Where the per-install CA lives when `ca` is not given (default: phonehomeHome()). */
  home?: string;
  /** Offer HTTP/2 to TLS clients (ALPN). Default true. */
  http2?: boolean;
  /** Extra CAs (PEM) trusted for upstream servers in live mode, e.g. a local origin's self-signed CA. */
  upstreamTrustedCAs?: string[];
  /** Heartbeat marker interval; HEARTBEAT_MS by default. */
  heartbeatMs?: number;
  /**
   * One of several sidecars recording into one folder on one shared port (ClusterSidecar's
   * workers): flows go to flows.<name>.jsonl; the listening socket is shared through Node's
   * cluster module instead of bound exclusively; and no lifecycle markers are written (capture-start,
   * heartbeats and capture-stop are the cluster's, written once for all of its workers).
   */
  shard?: { name: string };
}

export interface CaptureSidecarEvents {
  flow: [flow: Flow];
  blindspot: [blindSpot: BlindSpot];
  /** A flow or blind spot could not be written (disk full …). Unhandled, it is printed to stderr. */
  error: [error: Error];
}

/**
 * mockttp keeps no body for itself: the sidecar's own steps stream request and response bodies to
 * the client, upstream and disk. (mockttp still copies each response into a tracking stream; with
 * this limit that copy is dropped as it comes instead of being held.)
 */
const MOCKTTP_BODY_BUFFER = 0;

/**
 * The capture sidecar: a recording, HTTPS-intercepting HTTP proxy (built on mockttp). Every exchange
 * becomes a Flow appended to `<out>/flows.jsonl` before the client has the end of its response
 * (WebSockets: as they open, message by message, and as they close); TLS refusals become
 * BlindSpots; heartbeat markers prove when the capture was up. Lifecycle: start() once, stop() once.
 */
export class CaptureSidecar extends EventEmitter<CaptureSidecarEvents> {
  readonly options: Readonly<CaptureSidecarOptions>;
  #server: mockttp.Mockttp | undefined;
  #folder: CaptureFolder | undefined;
  #recorder: FlowRecorder | undefined;
  #pool: UpstreamPool | undefined;
  #ca: CertificateAuthority | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  #port = 0;

  constructor(options: CaptureSidecarOptions) {
    super();
    this.options = { ...options };
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get mode(): UpstreamMode {
    return this.options.upstream ?? 'sink';
  }

  get port(): number {
    this.#requireRunning('port');
    return this.#port;
  }

  /** The proxy URL to configure clients with, e.g. http://127.0.0.1:43123. */
  get url(): string {
    this.#requireRunning('url');
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.#port}`;
  }

  /** The CA whose certificate clients must trust for HTTPS to be recorded. */
  get ca(): CertificateAuthority {
    if (!this.#ca) throw new PhonehomeError('the capture sidecar has no CA before start()');
    return this.#ca;
  }

  get out(): string {
    return this.#folder?.dir ?? this.options.out;
  }

  /** Flows of the phone's traffic written so far (route probes are counted apart, in probesRecorded). */
  get flowsRecorded(): number {
    return this.#recorder?.flowsWritten ?? 0;
  }

  /** Exchanges started and not yet written. */
  get inFlight(): number {
    return this.#recorder?.inFlight ?? 0;
  }

  /** Route probes answered and written so far (routeProbe.ts). */
  get probesRecorded(): number {
    return this.#recorder?.probesWritten ?? 0;
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new PhonehomeError(`the capture sidecar was already ${this.#state === 'stopped' ? 'stopped' : 'started'}; create a new one`);
    this.#state = 'starting';
    try {
      await this.#start();
    } catch (error) {
      await this.#teardown();
      this.#state = 'stopped';
      throw error;
    }
    this.#state = 'running';
  }

  async #start(): Promise<void> {
    const requestedPort = this.options.port ?? 0;
    if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
      throw new PhonehomeError(`capture port must be 0-65535, got ${requestedPort}`);
    }
    this.#ca = this.options.ca ?? (await loadOrCreateCa(this.options.home ?? phonehomeHome()));
    const folder = new CaptureFolder(this.options.out, { shard: this.options.shard?.name });
    this.#folder = folder;
    const recorder = new FlowRecorder(
      folder,
      {
        flow: (flow) => this.emit('flow', flow),
        blindSpot: (blindSpot) => this.emit('blindspot', blindSpot),
        error: (error) => this.#reportError(error),
      },
      { live: this.mode === 'live' },
    );
    this.#recorder = recorder;

    const server = mockttp.getLocal({
      https: { cert: this.#ca.certPem, key: this.#ca.keyPem },
      http2: this.options.http2 === false ? false : true,
      recordTraffic: false, // flows go to disk, never into mockttp's memory
      maxBodySize: MOCKTTP_BODY_BUFFER,
      suggestChanges: false,
    });
    this.#server = server;
    // HTTP exchanges are recorded by the steps relaying them; mockttp's events serve WebSockets,
    // aborts before a step ran, and TLS / parse failures. (No body-data events: mockttp would batch
    // and copy every body for them.)
    await server.on('response', (r) => recorder.onResponse(r));
    await server.on('abort', (r) => recorder.onAbort(r));
    await server.on('websocket-accepted', (r) => recorder.onWebSocketAccepted(r));
    await server.on('websocket-message-received', (m) => recorder.onWebSocketMessage(m));
    await server.on('websocket-message-sent', (m) => recorder.onWebSocketMessage(m));
    await server.on('websocket-close', (c) => recorder.onWebSocketClose(c));
    await server.on('tls-client-error', (f) => recorder.onTlsClientError(f));
    await server.on('client-error', (e) => recorder.onClientError(e));

    let handler: ExchangeHandler;
    if (this.mode === 'live') {
      const pool = new UpstreamPool({ trustedCAs: this.options.upstreamTrustedCAs ?? [] });
      this.#pool = pool;
      const forwarder = new UpstreamForwarder({ pool, recorder, isSelf: (host, port) => this.#isSelf(host, port) });
      // A route probe is answered by the capture itself, never forwarded (routeProbe.ts).
      handler = (request, response) => (isRouteProbeHost(headerValue(request.headers.host)) ? answerFromSink(request, response, recorder) : forwarder.forward(request, response));
    } else {
      handler = (request, response) => answerFromSink(request, response, recorder);
    }
    await server.addRequestRule({
      matchers: [recordingTap(recorder, false)],
      steps: [exchangeStep(this.mode === 'live' ? 'upstream forwarder' : 'sink', (request, response) => {
        dropTrackingCopy(response);
        // A 1.0 client is answered in 1.0 whoever answers (RFC 9110 §6.2 allows it; the origin's own
        // version is recorded in the flow's `upstream`): its version is kept end to end.
        if (request.httpVersion === '1.0') answerInHttp10(response as unknown as ServerResponse);
        return handler(request, response);
      })],
    });
    await server.addWebSocketRule({
      matchers: [recordingTap(recorder, true)],
      steps: [this.mode === 'live' ? new mockttp.webSocketSteps.PassThroughWebSocketStep(this.#passThroughOptions()) : new mockttp.webSocketSteps.EchoWebSocketStep()],
    });

    await server.start(0);
    this.#port = await rebind(server, requestedPort, this.host, this.options.shard === undefined);
    if (this.options.shard) return;
    folder.appendMarker({ time: Date.now(), kind: 'capture-start', data: { port: this.#port, host: this.host, mode: this.mode, pid: process.pid } });
    this.#heartbeat = setInterval(() => this.#beat(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #passThroughOptions(): { additionalTrustedCAs?: Array<{ cert: string }> } {
    const cas = this.options.upstreamTrustedCAs ?? [];
    return cas.length > 0 ? { additionalTrustedCAs: cas.map((cert) => ({ cert })) } : {};
  }

  /** Whether host:port reaches this sidecar (a client asking the proxy to fetch from itself). */
  #isSelf(host: string, port: number): boolean {
    if (port !== this.#port) return false;
    const name = host.toLowerCase();
    if (name === 'localhost' || name.endsWith('.localhost') || name === this.host) return true;
    if (isIP(name) === 0) return false;
    if (name.startsWith('127.') || name === '::1' || name === '0.0.0.0' || name === '::' || name.startsWith('::ffff:127.')) return true;
    if (this.host !== '0.0.0.0' && this.host !== '::') return false;
    return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === name));
  }

  #beat(): void {
    try {
      this.#folder?.appendMarker({ time: Date.now(), kind: 'capture-heartbeat', data: { flows: this.flowsRecorded, inFlight: this.#recorder?.inFlight ?? 0 } });
    } catch (error) {
      this.#reportError(error as Error);
    }
  }

  /** Stops listening, writes any exchange still in progress (with `error`), then `capture-stop`. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    await this.#teardown();
  }

  async #teardown(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const server = this.#server;
    this.#server = undefined;
    // Exchanges still in progress are written as cut short by the stop, before closing their
    // connections would make them look like client aborts.
    await this.#recorder?.flushAll('capture stopped before the exchange completed');
    if (server) await server.stop().catch(() => {});
    this.#pool?.destroy();
    await this.#recorder?.flushAll('capture stopped before the exchange completed');
    const folder = this.#folder;
    if (folder && this.#port !== 0 && !this.options.shard) {
      try {
        folder.appendMarker({ time: Date.now(), kind: 'capture-stop', data: { flows: this.flowsRecorded } });
      } catch (error) {
        this.#reportError(error as Error);
      }
    }
    folder?.close();
  }

  #reportError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.stderr.write(`phonehome capture: ${error.message}\n`);
  }

  #requireRunning(what: string): void {
    if (this.#state !== 'running') throw new PhonehomeError(`the capture sidecar's ${what} is known only while it runs (call start() first)`);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * mockttp mirrors every byte written to a response into a tracking stream for its own events; that
 * copy must be read or it accumulates. Reading it with MOCKTTP_BODY_BUFFER as the cap drops it.
 */
function dropTrackingCopy(response: OngoingResponse): void {
  response.body.asBuffer().catch(() => {});
}

/**
 * A rule matcher that matches everything and, as mockttp evaluates it, hands the raw request to the
 * recorder. It is the one point where mockttp exposes the request stream before the body flows,
 * which is what lets the flow carry the client's own view (TLS SNI, ALPN) before anything is relayed.
 */
function recordingTap(recorder: FlowRecorder, websocket: boolean): mockttp.matchers.RequestMatcher {
  return tapMatcher((request) => recorder.tap(request, websocket), 'for anything (recorded by phonehome)');
}

/**
 * mockttp's start() listens on every interface and takes no bind address. Re-listen its server on
 * the address we were asked for (127.0.0.1 by default) straight away: the all-interfaces listener
 * exists only between these two calls, on a random port.
 */
async function rebind(server: mockttp.Mockttp, port: number, host: string, exclusive: boolean): Promise<number> {
  const inner = listeningServer(server);
  if (!inner) {
    await server.stop();
    throw new PhonehomeError(`this mockttp version hides its listening server; phonehome capture cannot bind to a chosen address (pin mockttp ${MOCKTTP_VERIFIED})`);
  }
  inner.close();
  return new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      inner.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new PhonehomeError(`port ${port} on ${host} is already in use (stop what holds it, or pass --port 0 for any free port)`)
          : error.code === 'EADDRNOTAVAIL'
            ? new PhonehomeError(`cannot listen on ${host}: no such local address (pass --host 127.0.0.1, or an address of this machine)`)
            : error.code === 'EACCES'
              ? new PhonehomeError(`not allowed to listen on port ${port} (ports below 1024 need root; pick a port above 1024 or 0)`)
              : new PhonehomeError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`),
      );
    };
    const onListening = () => {
      inner.off('error', onError);
      const address = inner.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    inner.once('error', onError);
    inner.once('listening', onListening);
    // exclusive: false only in a cluster worker (a shard), where sharing the port is the point.
    inner.listen({ port, host, exclusive });
  });
}
