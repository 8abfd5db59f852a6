import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type {
  AbortedRequest,
  BodyData,
  ClientError,
  CompletedResponse,
  OngoingRequest,
  TlsHandshakeFailure,
  WebSocketClose,
  WebSocketMessage as MockttpWebSocketMessage,
} from 'mockttp';
import type { BodySpool } from './bodySpool.js';
import type { CaptureFolder } from './captureFolder.js';
import type { BlindSpot, BodyRef, Flow, Header, WebSocketMessage } from './types.js';

/** A WebSocket flow keeps at most this many messages; later ones are counted, not stored. */
export const MAX_WS_MESSAGES = 10_000;
/** Inline (base64 in the flow line) budget per WebSocket flow; further messages go to bodies/. */
const WS_INLINE_BUDGET = 4 * 1024 * 1024;
/** A response whose body never reports its end is written this long after the response completed. */
const RESPONSE_BODY_GRACE_MS = 2000;

export interface RecorderHooks {
  flow(flow: Flow): void;
  blindSpot(blindSpot: BlindSpot): void;
  error(error: Error): void;
}

interface Pending {
  flow: Flow;
  websocket: boolean;
  requestBody: BodySpool;
  requestEnded: boolean;
  requestEndWaiters: Array<() => void>;
  responseBody?: BodySpool;
  responseEnded: boolean;
  response?: { status: number; statusMessage: string; headers: Header[]; endedAt: number; error?: string };
  messages: WebSocketMessage[];
  inlineBytes: number;
  droppedMessages: number;
  upstreamIp?: Promise<string | undefined>;
  graceTimer?: NodeJS.Timeout;
}

/** Epoch milliseconds of a mockttp high-resolution (performance.now) timestamp. */
function epoch(hiRes: number | undefined): number {
  return Math.round((performance.timeOrigin + (hiRes ?? performance.now())) * 1000) / 1000;
}

function httpVersionOf(v: string): string {
  return v === '2.0' ? '2' : v;
}

/**
 * Turns mockttp's view of each exchange into Flow records. The request side is read from the raw
 * request stream (see `tap`), so request bodies of any size are spooled to disk chunk by chunk; the
 * response side comes from mockttp's 'response' and 'response-body-data' events. A flow is written
 * once its request body, response head and response body have all ended, or when it is aborted.
 */
export class FlowRecorder {
  readonly #pending = new Map<string, Pending>();
  #flowsWritten = 0;
  readonly #dnsCache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly folder: CaptureFolder,
    private readonly hooks: RecorderHooks,
    private readonly options: { live: boolean },
  ) {}

  get flowsWritten(): number {
    return this.#flowsWritten;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Starts a flow from a request mockttp has just parsed (called synchronously, before any body
   * byte is delivered). mockttp's own body buffer is started first, so its passthrough still sees
   * the body from byte 0 (bounded by its maxBodySize); our listener spools every chunk to disk.
   */
  tap(request: OngoingRequest, websocket: boolean): void {
    if (this.#pending.has(request.id)) return;
    const url = new URL(request.url);
    const rawPath = request.path ?? url.pathname + url.search;
    const q = rawPath.indexOf('?');
    // mockttp's OngoingRequest is Node's request object; its socket is the (TLS) socket it came in on.
    const socket = (request as unknown as { socket?: { encrypted?: boolean; servername?: string | false; alpnProtocol?: string | false } }).socket;
    let tls: Flow['tls'];
    try {
      if (socket?.encrypted) {
        tls = {};
        if (typeof socket.servername === 'string') tls.sni = socket.servername;
        if (typeof socket.alpnProtocol === 'string') tls.alpn = socket.alpnProtocol;
      }
    } catch {
      /* an HTTP/2 session socket may refuse property access once closed */
    }
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
    const pending: Pending = {
      flow,
      websocket,
      requestBody: this.folder.bodySpool(`${request.id}.req`),
      requestEnded: false,
      requestEndWaiters: [],
      responseEnded: false,
      messages: [],
      inlineBytes: 0,
      droppedMessages: 0,
    };
    if (this.options.live) pending.upstreamIp = this.#resolve(host);
    this.#pending.set(request.id, pending);

    request.body.asBuffer().catch(() => {});
    request.on('data', (chunk: Buffer) => {
      try {
        pending.requestBody.write(chunk);
      } catch (error) {
        this.hooks.error(error as Error);
      }
    });
    const ended = () => {
      if (pending.requestEnded) return;
      pending.requestEnded = true;
      for (const wake of pending.requestEndWaiters.splice(0)) wake();
      this.#maybeFinish(pending);
    };
    request.once('end', ended);
    request.once('close', () => {
      if (!request.readableEnded) pending.requestBody.markTruncated();
      ended();
    });
  }

  /** Resolves when the request body has been fully received (or the request was aborted). */
  requestBodyDone(id: string): Promise<void> {
    const pending = this.#pending.get(id);
    if (!pending || pending.requestEnded) return Promise.resolve();
    return new Promise((resolve) => pending.requestEndWaiters.push(resolve));
  }

  onResponseBodyData(data: BodyData): void {
    const pending = this.#pending.get(data.id);
    if (!pending || pending.responseEnded) return;
    pending.responseBody ??= this.folder.bodySpool(`${data.id}.res`);
    try {
      pending.responseBody.write(data.content);
    } catch (error) {
      this.hooks.error(error as Error);
    }
    if (data.isEnded) {
      pending.responseEnded = true;
      this.#maybeFinish(pending);
    }
  }

  onResponse(response: CompletedResponse): void {
    const pending = this.#pending.get(response.id);
    if (!pending) return;
    const upstreamError = response.tags.find((t) => t.startsWith('passthrough-error:'));
    pending.response = {
      status: response.statusCode,
      statusMessage: response.statusMessage ?? '',
      headers: response.rawHeaders.filter(([n]) => !n.startsWith(':')).map(([n, v]) => [n, v] as Header),
      endedAt: epoch(response.timingEvents.responseSentTimestamp),
    };
    if (upstreamError) pending.response.error = `upstream failed: ${upstreamError.slice('passthrough-error:'.length)}`;
    if (pending.websocket) pending.responseEnded = true; // a rejected WebSocket: no body events follow
    if (!pending.responseEnded) {
      // Body events normally arrive right after; don't let a lost one hold the flow forever.
      pending.graceTimer = setTimeout(() => {
        pending.responseBody?.markTruncated();
        pending.responseEnded = true;
        this.#maybeFinish(pending);
      }, RESPONSE_BODY_GRACE_MS);
      pending.graceTimer.unref();
    }
    this.#maybeFinish(pending);
  }

  onWebSocketAccepted(response: CompletedResponse): void {
    const pending = this.#pending.get(response.id);
    if (!pending) return;
    pending.response = {
      status: response.statusCode,
      statusMessage: response.statusMessage ?? '',
      headers: response.rawHeaders.map(([n, v]) => [n, v] as Header),
      endedAt: epoch(response.timingEvents.wsAcceptedTimestamp),
    };
  }

  onWebSocketMessage(message: MockttpWebSocketMessage): void {
    const pending = this.#pending.get(message.streamId);
    if (!pending) return;
    if (pending.messages.length >= MAX_WS_MESSAGES) {
      pending.droppedMessages++;
      return;
    }
    const index = pending.messages.length;
    const spool = this.folder.bodySpool(`${message.streamId}.ws${index}`);
    const content = message.content;
    let body: BodyRef;
    try {
      if (content.length > 0 && pending.inlineBytes + content.length > WS_INLINE_BUDGET) {
        // Over the flow's inline budget: force this message to a file, whatever its size.
        spool.write(content);
        body = spool.finishToFile();
      } else {
        spool.write(content);
        body = spool.finish();
        if (body.inline) pending.inlineBytes += content.length;
      }
    } catch (error) {
      this.hooks.error(error as Error);
      return;
    }
    // mockttp's 'received' is what it got from the client; ours names it from the client's side.
    pending.messages.push({ direction: message.direction === 'received' ? 'sent' : 'received', at: epoch(message.eventTimestamp), binary: message.isBinary, body });
  }

  onWebSocketClose(close: WebSocketClose): void {
    const pending = this.#pending.get(close.streamId);
    if (!pending) return;
    pending.requestEnded = true;
    pending.responseEnded = true;
    if (pending.response) pending.response.endedAt = epoch(close.timingEvents.wsClosedTimestamp);
    this.#maybeFinish(pending);
  }

  onAbort(aborted: AbortedRequest): void {
    const pending = this.#pending.get(aborted.id);
    if (!pending) return;
    const why = aborted.error?.message ?? aborted.error?.code ?? 'connection closed';
    void this.#finish(pending, `aborted: ${why}`);
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

  /** Writes every flow still in progress (sidecar stopping); they carry `error`. */
  async flushAll(reason: string): Promise<void> {
    await Promise.all([...this.#pending.values()].map((p) => this.#finish(p, reason)));
  }

  #maybeFinish(pending: Pending): void {
    if (pending.requestEnded && pending.response && pending.responseEnded) void this.#finish(pending);
  }

  async #finish(pending: Pending, error?: string): Promise<void> {
    if (!this.#pending.delete(pending.flow.id)) return;
    if (pending.upstreamIp) {
      const ip = await pending.upstreamIp;
      if (ip) pending.flow.upstreamIp = ip;
    }
    this.#write(pending, error);
  }

  /**
   * Sink mode: writes the flow with the response about to be sent, before it is sent, so a client
   * that has its answer knows the flow is on disk (nothing lost to a SIGKILL right after).
   */
  completeWithOwnResponse(id: string, response: { statusCode: number; headers: Record<string, string>; body?: string }): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    const body = Buffer.from(response.body ?? '');
    const spool = this.folder.bodySpool(`${id}.res`);
    spool.write(body);
    pending.responseBody = spool;
    pending.responseEnded = true;
    pending.response = {
      status: response.statusCode,
      statusMessage: '',
      headers: Object.entries(response.headers).map(([n, v]) => [n, v] as Header),
      endedAt: Date.now(),
    };
    this.#write(pending);
  }

  #write(pending: Pending, error?: string): void {
    if (pending.graceTimer) clearTimeout(pending.graceTimer);
    for (const wake of pending.requestEndWaiters.splice(0)) wake();
    const flow = pending.flow;
    try {
      if (error && !pending.requestEnded) pending.requestBody.markTruncated();
      flow.request.body = pending.requestBody.finish();
      if (pending.response) {
        const body = pending.responseBody?.finish() ?? { size: 0 };
        if (error && !pending.responseEnded) body.truncated = true;
        flow.response = { status: pending.response.status, statusMessage: pending.response.statusMessage, headers: pending.response.headers, body };
        flow.endedAt = pending.response.endedAt;
        if (pending.response.error) flow.error = pending.response.error;
      } else {
        pending.responseBody?.finish();
      }
      if (error) {
        flow.error = error;
        flow.endedAt = Date.now();
      }
      if (flow.endedAt < flow.startedAt) flow.endedAt = flow.startedAt;
      if (pending.websocket) {
        flow.websocket = { messages: pending.messages };
        if (pending.droppedMessages > 0) {
          flow.error = `${flow.error ? flow.error + '; ' : ''}${pending.droppedMessages} WebSocket messages past the first ${MAX_WS_MESSAGES} were not stored`;
        }
      }
      this.folder.appendFlow(flow);
      this.#flowsWritten++;
      this.hooks.flow(flow);
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

  /** The address the system resolver gives for the host, i.e. the one the passthrough connects to. */
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

