import type { EventEmitter } from 'node:events';
import type { OngoingRequest } from 'mockttp';
import { pairHeaders } from './headerForwarding.js';
import type { Header } from './types.js';

/**
 * Hands `take` the trailer fields a client sends after its request body, before the request's own
 * 'end' listeners run (call it before any are added), so whoever ends the exchange has them.
 *
 * HTTP/1.1: Node's parser sets `rawTrailers` when the chunked body completes; mockttp's request
 * keeps them there as [name, value] pairs. HTTP/2: Node's compat request keeps them on a getter
 * mockttp's own `rawTrailers` property hides, so they are taken from the request's stream, whose
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
