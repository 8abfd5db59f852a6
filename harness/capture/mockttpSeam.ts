/**
 * The one place phonehome relies on how mockttp works inside, not only on its public API: a step
 * that gets the live request and response streams, a matcher that sees each request first, the
 * listening server to re-bind, and a request's trailers (which mockttp hides for HTTP/2). Verified for MOCKTTP_VERIFIED; test/capture/mockttpSeamHolds.test.ts
 * fails, naming the version, when the installed mockttp differs or one of these stops working.
 */
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import * as mockttp from 'mockttp';
import type { OngoingRequest, OngoingResponse } from 'mockttp';
import { pairHeaders } from './headerForwarding.js';
import type { Header } from './types.js';

/** The mockttp release these seams were checked against (package.json pins it). */
export const MOCKTTP_VERIFIED = '4.6.5';

/** Answers one request: reads its body, writes the response, resolves when the response is ended or destroyed. */
export type ExchangeHandler = (request: OngoingRequest, response: OngoingResponse) => Promise<void>;

/**
 * A mockttp request step that hands the live request and response streams to `handler`.
 *
 * mockttp's public steps either buffer the request body before answering (callback steps) or do
 * the forwarding themselves (passthrough); neither lets the sidecar relay and record a stream at
 * once. mockttp 4.6.5 builds each rule's step by copying the definition's own properties onto its
 * implementation class, so an own `handle` on a callback-step definition is the method it calls,
 * with (request, response) as its built-in steps get them. Should a mockttp version stop doing so,
 * it calls the placeholder callback instead, which fails every request with a message saying which
 * mockttp to pin (and every capture test fails).
 */
export function exchangeStep(name: string, handler: ExchangeHandler): mockttp.RequestStep {
  const step = new mockttp.requestSteps.CallbackStep(() => {
    throw new Error(`phonehome capture: mockttp called the callback of the '${name}' step instead of its handler; this mockttp version is not supported (pin mockttp ${MOCKTTP_VERIFIED})`);
  });
  Object.assign(step, {
    handle: (request: OngoingRequest, response: OngoingResponse) => handler(request, response),
    explain: () => `relay through phonehome's ${name}`,
  });
  return step;
}

/**
 * A rule matcher that matches everything and calls `onRequest` with the raw request as mockttp
 * evaluates it: the one point where mockttp exposes the request stream before the body flows.
 * mockttp 4.6.5 calls a local rule's matcher objects as given (their `matches`), so a plain object
 * with mockttp's wildcard shape works; it is serialised as a wildcard for remote use.
 */
export function tapMatcher(onRequest: (request: OngoingRequest) => void, explanation: string): mockttp.matchers.RequestMatcher {
  const tap = {
    type: 'wildcard' as const,
    matches(request: OngoingRequest): boolean {
      onRequest(request);
      return true;
    },
    explain: () => explanation,
    serialize: () => ({ type: 'wildcard' }),
    // mockttp disposes every matcher of a rule when the server stops or resets.
    dispose: () => undefined,
  };
  return tap as unknown as mockttp.matchers.RequestMatcher;
}

/**
 * mockttp's start() listens on every interface and takes no bind address; its HTTP server is the
 * private field `server` in 4.6.5. Undefined when a mockttp version hides it.
 */
export function listeningServer(server: mockttp.Mockttp): Server | undefined {
  const inner = (server as unknown as { server?: Server }).server;
  return inner && typeof inner.listen === 'function' ? inner : undefined;
}

/**
 * Hands `take` the trailer fields a client sends after its request body, before the request's own
 * 'end' listeners run (call it before any are added), so whoever ends the exchange has them.
 *
 * HTTP/1.1: Node's parser sets `rawTrailers` when the chunked body completes; mockttp's request
 * keeps them there as [name, value] pairs. HTTP/2: Node's compat request keeps them on a getter
 * mockttp's own `rawTrailers` property hides (mockttp 4.6.5 defines it on the request object and only
 * Node's HTTP/1 parser sets it), so they are taken from the request's stream (mockttp hands steps
 * Node's own Http2ServerRequest), whose
 * 'trailers' event carries the flat raw list (https://nodejs.org/docs/latest-v20.x/api/http2.html#event-trailers).
 */
export function watchRequestTrailers(request: OngoingRequest, take: (trailers: Header[]) => void): void {
  const stream = (request as unknown as { stream?: EventEmitter }).stream;
  if (request.httpVersion.startsWith('2') && stream) {
    stream.once('trailers', (_fields: unknown, _flags: unknown, raw: unknown) => {
      if (Array.isArray(raw)) take(pairHeaders(raw.map(String)).filter(([name]) => !name.startsWith(':')));
    });
    return;
  }
  request.once('end', () => {
    const raw = request.rawTrailers as unknown;
    if (!Array.isArray(raw) || raw.length === 0) return;
    // Pairs from mockttp; a flat list should a version stop pairing them.
    take(Array.isArray(raw[0]) ? (raw as Array<[string, string]>).map(([n, v]) => [n, v] as Header) : pairHeaders(raw.map(String)));
  });
}
