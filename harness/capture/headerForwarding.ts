import type { OutgoingHttpHeaders } from 'node:http';
import type { Header } from './types.js';

/**
 * Headers that describe one connection rather than the message (RFC 9110 §7.6.1), plus the
 * client's credentials for the proxy itself. The sidecar has its own connections on each side, so
 * these are not relayed; the flow still records them as they were sent.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'upgrade']);

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); Node refuses to send them on an HTTP/2 stream. */
const NOT_IN_HTTP2 = new Set([...HOP_BY_HOP, 'transfer-encoding', 'host']);

/** Names listed in a Connection header are hop-by-hop too. */
function connectionListed(headers: Header[]): Set<string> {
  const listed = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) listed.add(token.trim().toLowerCase());
  }
  return listed;
}

/**
 * The request headers to send upstream (always HTTP/1.1), as Node's flat raw array so names keep
 * their case and order. From an HTTP/2 client: pseudo-headers dropped, `:authority` becomes Host,
 * and split cookie headers are joined again (RFC 9113 §8.2.3).
 */
export function upstreamRequestHeaders(headers: Header[], http2: boolean): string[] {
  const listed = connectionListed(headers);
  const flat: string[] = [];
  let authority: string | undefined;
  let hasHost = false;
  const cookies: string[] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':')) {
      if (lower === ':authority') authority = value;
      continue;
    }
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    if (http2 && lower === 'cookie') {
      cookies.push(value);
      continue;
    }
    if (lower === 'host') hasHost = true;
    flat.push(name, value);
  }
  if (cookies.length > 0) flat.push('cookie', cookies.join('; '));
  if (!hasHost && authority !== undefined) flat.unshift('host', authority);
  return flat;
}

/** Response headers for an HTTP/1.1 client: Node's flat raw array, hop-by-hop headers left out. */
export function http1ResponseHeaders(headers: Header[]): string[] {
  const listed = connectionListed(headers);
  const flat: string[] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    flat.push(name, value);
  }
  return flat;
}

/** Response headers for an HTTP/2 client: an object (lower-case names, repeats as arrays), connection headers left out. */
export function http2ResponseHeaders(headers: Header[]): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (NOT_IN_HTTP2.has(lower) || listed.has(lower) || lower.startsWith(':')) continue;
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[lower] = [existing, value];
  }
  return out;
}

/** Node's flat raw header array as [name, value] pairs. */
export function pairHeaders(flat: string[]): Header[] {
  const pairs: Header[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/** The first value of a header, case-insensitively. */
export function headerValue(headers: Header[], name: string): string | undefined {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return undefined;
}

/**
 * The request headers to send on an HTTP/2 upstream stream, from an HTTP/2 client's: its
 * pseudo-headers (:method, :scheme, :authority, :path) kept, connection-specific fields left out
 * (RFC 9113 §8.2.2), except `te: trailers`, the one TE value HTTP/2 allows and the one gRPC servers
 * require (gRPC over HTTP/2 protocol, "Requests": https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
 */
export function http2RequestHeaders(headers: Header[]): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: Record<string, string | string[]> = {};
  let host: string | undefined;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'te') {
      if (value.trim().toLowerCase() === 'trailers') out.te = 'trailers';
      continue;
    }
    if (lower === 'host') {
      host = value;
      continue;
    }
    if (NOT_IN_HTTP2.has(lower) || listed.has(lower)) continue;
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[lower] = [existing, value];
  }
  if (out[':authority'] === undefined && host !== undefined) out[':authority'] = host;
  return out;
}

/** Trailer fields for an HTTP/2 response (an object with lower-case names; pseudo and connection fields left out). */
export function http2Trailers(trailers: Header[]): OutgoingHttpHeaders {
  return http2ResponseHeaders(trailers);
}
