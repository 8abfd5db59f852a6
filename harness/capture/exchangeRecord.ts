import type { BodySpool } from './bodySpool.js';
import type { CaptureFolder } from './captureFolder.js';
import type { BodyRef, Flow, Header, UpstreamSide } from './types.js';

/** The Content-Length a message declares, when it declares a valid one. */
function declaredLength(headers: Header[]): number | undefined {
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'content-length') continue;
    const n = Number(value);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

interface ResponseHead {
  status: number;
  statusMessage: string;
  headers: Header[];
}

/**
 * One exchange being recorded: request body spooled as it arrives, response head and body as they
 * are relayed, then `complete()` turns it into its Flow line. Whoever relays the exchange (the sink
 * or the upstream forwarder) drives it, and calls `complete()` before the client gets the end of the
 * response, which is what makes a flow durable before its answer.
 */
export class ExchangeRecord {
  readonly flow: Flow;
  readonly websocket: boolean;
  readonly #requestBody: BodySpool;
  #requestEnded = false;
  #requestWaiters: Array<() => void> = [];
  #responseBody: BodySpool | undefined;
  #response: ResponseHead | undefined;
  #requestTrailers: Header[] = [];
  #responseTrailers: Header[] = [];
  #completed = false;

  constructor(
    flow: Flow,
    websocket: boolean,
    private readonly folder: CaptureFolder,
    private readonly onError: (error: Error) => void,
  ) {
    this.flow = flow;
    this.websocket = websocket;
    this.#requestBody = folder.bodySpool(`${flow.id}.req`, { onError, expectedSize: declaredLength(flow.request.headers) });
  }

  get id(): string {
    return this.flow.id;
  }

  get requestEnded(): boolean {
    return this.#requestEnded;
  }

  /** Request body bytes received so far. */
  get requestBytes(): number {
    return this.#requestBody.size;
  }

  /** Stores a request body chunk; false: pause the sender until requestWritable(). */
  requestChunk(chunk: Uint8Array): boolean {
    return this.#requestBody.write(chunk);
  }

  requestWritable(): Promise<void> {
    return this.#requestBody.whenWritable();
  }

  /** The request body is over: all of it (`truncated` false) or cut short by the client. */
  endRequest(truncated: boolean): void {
    if (this.#requestEnded) return;
    if (truncated) this.#requestBody.markTruncated();
    this.#requestEnded = true;
    for (const wake of this.#requestWaiters.splice(0)) wake();
  }

  /** Resolves when the request body has ended (or the record completed without it). */
  requestDone(): Promise<void> {
    if (this.#requestEnded || this.#completed) return Promise.resolve();
    return new Promise((resolve) => this.#requestWaiters.push(resolve));
  }

  /** Trailer fields the client sent after its body (HTTP/1.1 chunked or HTTP/2). */
  requestTrailers(trailers: Header[]): void {
    this.#requestTrailers = trailers;
  }

  /** Trailer fields the response carried after its body. */
  responseTrailers(trailers: Header[]): void {
    this.#responseTrailers = trailers;
  }

  /** The client's trailer fields so far (complete once the request body ended). */
  get requestTrailerFields(): Header[] {
    return this.#requestTrailers;
  }

  /** How the sidecar spoke to the real server (live mode): replaces what was noted before. */
  upstream(side: UpstreamSide): void {
    this.flow.upstream = side;
  }

  respond(status: number, statusMessage: string, headers: Header[]): void {
    this.#response = { status, statusMessage, headers };
  }

  /** Stores a response body chunk; false: pause the sender until responseWritable(). */
  responseChunk(chunk: Uint8Array): boolean {
    this.#responseBody ??= this.folder.bodySpool(`${this.flow.id}.res`, { onError: this.onError, expectedSize: declaredLength(this.#response?.headers ?? []) });
    return this.#responseBody.write(chunk);
  }

  responseWritable(): Promise<void> {
    return this.#responseBody?.whenWritable() ?? Promise.resolve();
  }

  /** The address the sidecar actually connected to for this exchange (live mode). */
  upstreamIp(address: string | undefined): void {
    if (address) this.flow.upstreamIp = address.startsWith('::ffff:') ? address.slice(7) : address;
  }

  /**
   * Finishes the flow: bodies written out, response and error filled in. Resolves with it, or with
   * undefined if it was completed before (decided at the call, so two callers never both get it).
   * `error` marks whatever did not end as truncated; `endedAt` defaults to now.
   */
  async complete(error?: string, options: { responseComplete?: boolean; endedAt?: number } = {}): Promise<Flow | undefined> {
    const responseComplete = options.responseComplete ?? error === undefined;
    if (this.#completed) return undefined;
    this.#completed = true;
    const endedAt = options.endedAt ?? Date.now();
    const flow = this.flow;
    if (error && !this.#requestEnded) this.#requestBody.markTruncated();
    this.#requestEnded = true;
    for (const wake of this.#requestWaiters.splice(0)) wake();
    const [requestBody, responseBody] = await Promise.all([this.#requestBody.finish(), this.#responseBody?.finish()]);
    flow.request.body = requestBody;
    if (this.#requestTrailers.length > 0) flow.request.trailers = this.#requestTrailers;
    if (this.#response) {
      const body: BodyRef = responseBody ?? { size: 0 };
      if (!responseComplete) body.truncated = true;
      flow.response = { ...this.#response, body, ...(this.#responseTrailers.length > 0 ? { trailers: this.#responseTrailers } : {}) };
    }
    flow.endedAt = Math.max(flow.startedAt, endedAt);
    if (error) flow.error = flow.error ? `${flow.error}; ${error}` : error;
    return flow;
  }
}
