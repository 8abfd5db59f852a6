import { isRouteProbeHost } from './routeProbe.js';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type {
  AbortedRequest,
  ClientError,
  CompletedResponse,
  OngoingRequest,
  TlsHandshakeFailure,
  WebSocketClose,
  WebSocketMessage as MockttpWebSocketMessage,
} from 'mockttp';
import type { CaptureFolder } from './captureFolder.js';
import { ExchangeRecord } from './exchangeRecord.js';
import { watchRequestTrailers } from './mockttpSeam.js';
import { describeTls } from './tlsDetails.js';
import type { BlindSpot, BodyRef, Flow, Header, WebSocketMessage } from './types.js';

/** A WebSocket flow keeps at most this many messages; later ones are counted, not stored. */
export const MAX_WS_MESSAGES = 10_000;
/** Inline (base64 in flows.jsonl) budget per WebSocket flow; further messages go to bodies/. */
export const WS_INLINE_BUDGET = 4 * 1024 * 1024;

export interface RecorderHooks {
  flow(flow: Flow): void;
  blindSpot(blindSpot: BlindSpot): void;
  error(error: Error): void;
}

/** An accepted WebSocket: its Flow line goes to disk first, then messages as they pass. */
interface OpenWebSocket {
  id: string;
  /** Set once the open line is written. */
  flow?: Flow;
  messages: WebSocketMessage[];
  inlineBytes: number;
  /** Messages seen (stored or not): numbers each message's body file, never reused. */
  seen: number;
  dropped: number;
  /** Appends of this socket, in order (the open line is written asynchronously). */
  chain: Promise<void>;
}

/** Epoch milliseconds of a mockttp high-resolution (performance.now) timestamp. */
function epoch(hiRes: number | undefined): number {
  return Math.round((performance.timeOrigin + (hiRes ?? performance.now())) * 1000) / 1000;
}

function httpVersionOf(v: string): string {
  return v === '2.0' ? '2' : v;
}

/**
 * Turns each exchange through the sidecar into lines of flows.jsonl. `tap` opens an ExchangeRecord
 * for every request mockttp parses; HTTP exchanges are then driven by whoever answers them (sink or
 * upstream forwarder) through `exchange(id)`, and WebSockets by mockttp's WebSocket events. TLS
 * refusals and unparseable requests become blind spots.
 */
export class FlowRecorder {
  readonly #pending = new Map<string, ExchangeRecord>();
  readonly #sockets = new Map<string, OpenWebSocket>();
  #flowsWritten = 0;
  #probesWritten = 0;
  readonly #dnsCache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly folder: CaptureFolder,
    private readonly hooks: RecorderHooks,
    private readonly options: { live: boolean },
  ) {}

  /** Route probes answered and written (routeProbe.ts); not counted in flowsWritten. */
  get probesWritten(): number {
    return this.#probesWritten;
  }

  get flowsWritten(): number {
    return this.#flowsWritten;
  }

  get inFlight(): number {
    return this.#pending.size + this.#sockets.size;
  }

  /**
   * Opens the record of a request mockttp has just parsed (called synchronously while it matches
   * rules, before any body byte is read). The body is left alone: the step that answers the request
   * reads it, so nothing is buffered on the way.
   */
  tap(request: OngoingRequest, websocket: boolean): void {
    if (this.#pending.has(request.id)) return;
    const url = new URL(request.url);
    const rawPath = request.path ?? url.pathname + url.search;
    const q = rawPath.indexOf('?');
    // mockttp's OngoingRequest is Node's request object; its socket is the (TLS) socket it came in on
    // (for HTTP/2, Node's proxy of the session's socket).
    const tls = describeTls((request as unknown as { socket?: unknown }).socket);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const flow: Flow = {
      id: request.id,
      startedAt: request.timingEvents.startTime,
      endedAt: request.timingEvents.startTime,
      client: { address: request.remoteIpAddress ?? '', port: request.remotePort ?? 0 },
      method: request.method,
      scheme: request.protocol as Flow['scheme'],
      host,
      port: request.destination.port,
      path: q === -1 ? rawPath : rawPath.slice(0, q),
      query: q === -1 ? '' : rawPath.slice(q + 1),
      httpVersion: httpVersionOf(request.httpVersion),
      request: { headers: request.rawHeaders.map(([n, v]) => [n, v] as Header), body: { size: 0 } },
    };
    if (tls) flow.tls = tls;
    const record = new ExchangeRecord(flow, websocket, this.folder, (error) => this.hooks.error(error));
    this.#pending.set(request.id, record);
    if (!websocket) watchRequestTrailers(request, (trailers) => record.requestTrailers(trailers));
    if (websocket) {
      // An upgrade request has no body; mockttp's WebSocket steps own the socket from here.
      record.endRequest(false);
      if (this.options.live) void this.#resolve(host).then((ip) => record.upstreamIp(ip));
    }
  }

  /** The record of an HTTP exchange in progress, for the step answering it. */
  exchange(id: string): ExchangeRecord | undefined {
    const record = this.#pending.get(id);
    return record && !record.websocket ? record : undefined;
  }

  /**
   * Writes a completed exchange's Flow line once its bodies are written out (one write(2): on disk
   * for any later reader and safe from a SIGKILL once this resolves). Resolves with the flow, or
   * undefined if it was completed before.
   */
  async complete(record: ExchangeRecord, error?: string, options?: { responseComplete?: boolean; endedAt?: number }): Promise<Flow | undefined> {
    this.#pending.delete(record.id);
    const flow = await record.complete(error, options);
    if (!flow) return undefined;
    await this.#append(flow);
    // Route probes are the harness's own liveness samples, not the phone's traffic: waits for the
    // phone's traffic to go quiet must not see them.
    if (isRouteProbeHost(flow.host)) this.#probesWritten++;
    else this.#flowsWritten++;
    this.hooks.flow(flow);
    return flow;
  }

  /** mockttp's completed responses matter only for WebSockets it refused or that upstream rejected. */
  onResponse(response: CompletedResponse): void {
    const record = this.#pending.get(response.id);
    if (!record?.websocket) return;
    record.respond(response.statusCode, response.statusMessage ?? '', response.rawHeaders.filter(([n]) => !n.startsWith(':')).map(([n, v]) => [n, v] as Header));
    void this.complete(record, undefined, { endedAt: epoch(response.timingEvents.responseSentTimestamp) });
  }

  /** The upgrade was accepted: the WebSocket's Flow line goes to disk now, messages follow as records. */
  onWebSocketAccepted(response: CompletedResponse): void {
    const record = this.#pending.get(response.id);
    if (!record?.websocket) return;
    this.#pending.delete(record.id);
    record.respond(response.statusCode, response.statusMessage ?? '', response.rawHeaders.map(([n, v]) => [n, v] as Header));
    const open: OpenWebSocket = { id: record.id, messages: [], inlineBytes: 0, seen: 0, dropped: 0, chain: Promise.resolve() };
    this.#sockets.set(record.id, open);
    open.chain = record.complete(undefined, { endedAt: epoch(response.timingEvents.wsAcceptedTimestamp) }).then((flow) => {
      if (!flow) return;
      open.flow = flow;
      return this.#append({ ...flow, websocket: { messages: [], open: true } });
    });
  }

  onWebSocketMessage(message: MockttpWebSocketMessage): void {
    const open = this.#sockets.get(message.streamId);
    if (!open) return;
    if (open.messages.length >= MAX_WS_MESSAGES) {
      open.dropped++;
      return;
    }
    const content = message.content;
    // Over the flow's inline budget: this message goes to a file, whatever its size.
    const name = `${message.streamId}.ws${open.seen++}`;
    const inline = this.folder.inlineBody(content, open.inlineBytes + content.length > WS_INLINE_BUDGET);
    if (inline?.inline) open.inlineBytes += content.length;
    // A file is written off the event loop, starting now; its record waits for it, in order.
    const stored = inline ? undefined : this.folder.storeBody(name, content);
    // mockttp's 'received' is what it got from the client; ours names it from the client's side.
    const recorded: WebSocketMessage = { direction: message.direction === 'received' ? 'sent' : 'received', at: epoch(message.eventTimestamp), binary: message.isBinary, body: inline ?? { size: content.length } };
    open.messages.push(recorded);
    open.chain = open.chain.then(async () => {
      if (stored) {
        try {
          recorded.body = await stored;
        } catch (error) {
          this.hooks.error(error as Error);
          open.messages.splice(open.messages.indexOf(recorded), 1);
          return;
        }
      }
      if (open.flow) return this.#append({ record: 'ws-message', flowId: open.id, message: recorded });
    });
  }

  onWebSocketClose(close: WebSocketClose): void {
    void this.#closeWebSocket(close.streamId, epoch(close.timingEvents.wsClosedTimestamp));
  }

  onAbort(aborted: AbortedRequest): void {
    const why = `aborted: ${aborted.error?.message ?? aborted.error?.code ?? 'connection closed'}`;
    if (this.#sockets.has(aborted.id)) {
      void this.#closeWebSocket(aborted.id, Date.now(), why);
      return;
    }
    const record = this.#pending.get(aborted.id);
    // HTTP exchanges are completed by the step relaying them; this catches what no step got to.
    if (record) void this.complete(record, why);
  }

  onTlsClientError(failure: TlsHandshakeFailure): void {
    // A refusal (the client rejected our certificate, or hung up right after the handshake, as
    // pinning clients do) is distinct from other handshake failures: detect/ treats both as blind.
    const rejected = failure.failureCause === 'cert-rejected' || failure.failureCause === 'closed' || failure.failureCause === 'reset';
    const blindSpot: BlindSpot = {
      id: `tls-${failure.timingEvents.startTime}-${Math.random().toString(36).slice(2, 10)}`,
      time: failure.timingEvents.startTime,
      reason: rejected ? 'tls-rejected' : 'tls-handshake-failed',
      detail: `TLS handshake ${failure.failureCause}`,
    };
    const host = failure.tlsMetadata.sniHostname ?? failure.destination?.hostname;
    if (host) blindSpot.host = host;
    if (failure.remoteIpAddress) blindSpot.client = { address: failure.remoteIpAddress, port: failure.remotePort ?? 0 };
    this.#writeBlindSpot(blindSpot);
  }

  onClientError(error: ClientError): void {
    const req = error.request;
    // A keep-alive connection closed between requests is not traffic we failed to see.
    if (error.response === 'aborted' && !req.method && (error.errorCode === 'ECONNRESET' || error.errorCode === undefined)) return;
    const blindSpot: BlindSpot = {
      id: `client-${req.id}`,
      time: req.timingEvents.startTime,
      reason: 'client-error',
      detail: `unparseable request (${error.errorCode ?? 'unknown error'})${req.method ? `: ${req.method} ${req.url ?? req.path ?? ''}` : ''}`.slice(0, 500),
    };
    const host = req.destination?.hostname;
    if (host) blindSpot.host = host;
    if (req.remoteIpAddress) blindSpot.client = { address: req.remoteIpAddress, port: req.remotePort ?? 0 };
    this.#writeBlindSpot(blindSpot);
  }

  /** Writes every exchange and WebSocket still in progress (sidecar stopping); they carry `error`. */
  async flushAll(reason: string): Promise<void> {
    await Promise.all([
      ...[...this.#pending.values()].map((record) => this.complete(record, reason)),
      ...[...this.#sockets.keys()].map((id) => this.#closeWebSocket(id, Date.now(), reason)),
    ]);
  }

  #closeWebSocket(id: string, endedAt: number, error?: string): Promise<void> {
    const open = this.#sockets.get(id);
    if (!open) return Promise.resolve();
    this.#sockets.delete(id);
    open.chain = open.chain.then(async () => {
      const opened = open.flow;
      if (!opened) return;
      const problems = [error, open.dropped > 0 ? `${open.dropped} WebSocket messages past the first ${MAX_WS_MESSAGES} were not stored` : undefined].filter(Boolean);
      const closedAt = Math.max(opened.startedAt, endedAt);
      await this.#append({ record: 'ws-close', flowId: id, endedAt: closedAt, ...(problems.length > 0 ? { error: problems.join('; ') } : {}) });
      const flow: Flow = { ...opened, endedAt: closedAt, websocket: { messages: open.messages } };
      if (problems.length > 0) flow.error = [opened.error, ...problems].filter(Boolean).join('; ');
      this.#flowsWritten++;
      this.hooks.flow(flow);
    });
    return open.chain;
  }

  /** Resolves once the line is written, or its failure reported (never rejects). */
  async #append(record: Parameters<CaptureFolder['appendFlow']>[0]): Promise<void> {
    try {
      await this.folder.appendFlow(record);
    } catch (e) {
      this.hooks.error(e as Error);
    }
  }

  #writeBlindSpot(blindSpot: BlindSpot): void {
    try {
      this.folder.appendBlindSpot(blindSpot);
      this.hooks.blindSpot(blindSpot);
    } catch (e) {
      this.hooks.error(e as Error);
    }
  }

  /**
   * WebSockets are relayed by mockttp, which does not expose its upstream socket: their upstream
   * address is the one the system resolver gives, as mockttp connects to. (HTTP exchanges record
   * the connected socket's own address instead.)
   */
  #resolve(host: string): Promise<string | undefined> {
    if (isIP(host)) return Promise.resolve(host);
    let result = this.#dnsCache.get(host);
    if (!result) {
      result = lookup(host).then((r) => r.address, () => undefined);
      this.#dnsCache.set(host, result);
      // Forget after a minute: addresses change, and the cache must not grow without bound.
      setTimeout(() => this.#dnsCache.delete(host), 60_000).unref();
    }
    return result;
  }
}
