import type { CompletedRequest } from 'mockttp';
import { isRouteProbeHost, ROUTE_PROBE_HEADER, routeProbeToken } from './routeProbe.js';

/** What the sink serves to a navigation: a page a browser can render, saying where it is. */
export const SINK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>phonehome sink</title></head>' +
  '<body><p>phonehome capture sink: this page was answered by the capture sidecar, not the real site.</p></body></html>\n';

type SinkRequest = Pick<CompletedRequest, 'method' | 'headers'> & { path?: string };

function headerOf(request: SinkRequest, name: string): string {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/**
 * A CORS preflight (Fetch standard, "CORS-preflight request": OPTIONS with an Origin and an
 * Access-Control-Request-Method header, https://fetch.spec.whatwg.org/#cors-preflight-fetch).
 */
export function isCorsPreflight(request: SinkRequest): boolean {
  return request.method === 'OPTIONS' && headerOf(request, 'origin') !== '' && headerOf(request, 'access-control-request-method') !== '';
}

/**
 * The headers a permissive tracker endpoint answers cross-origin requests with: the Origin echoed
 * (a credentialed request may not be answered with `*`), credentials allowed, and for a preflight
 * the requested method and headers allowed, so the browser goes on to send the request that
 * carries the data (Fetch standard, "CORS check" and "CORS-preflight fetch",
 * https://fetch.spec.whatwg.org/#http-cors-protocol). Vary says the answer depends on them.
 */
function corsHeaders(request: SinkRequest, preflight: boolean): Record<string, string> {
  const origin = headerOf(request, 'origin');
  if (!origin) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: preflight ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' : 'Origin',
  };
  if (!preflight) return { ...headers, 'access-control-expose-headers': '*' };
  headers['access-control-allow-methods'] = headerOf(request, 'access-control-request-method');
  const asked = headerOf(request, 'access-control-request-headers');
  if (asked) headers['access-control-allow-headers'] = asked;
  // Chrome's Private Network Access preflight asks this of a public page reaching a private address.
  if (headerOf(request, 'access-control-request-private-network') === 'true') headers['access-control-allow-private-network'] = 'true';
  return headers;
}

/**
 * Sink mode answers everything itself: a small HTML page for navigations (so a browser under test
 * shows a page and carries on), 204 No Content for the rest (beacons, telemetry, assets), with
 * permissive CORS headers so a browser that enforces CORS still sends what a tracker's script posts.
 */
export function sinkResponse(request: SinkRequest): {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
} {
  // A route probe (routeProbe.ts) is answered by the capture itself in every mode, its token echoed.
  const probe = isRouteProbeHost(headerOf(request, 'host')) ? routeProbeToken(request.path ?? '') : undefined;
  if (probe) return { statusCode: 204, headers: { [ROUTE_PROBE_HEADER]: probe, 'cache-control': 'no-store' } };
  if (isCorsPreflight(request)) return { statusCode: 204, headers: { ...corsHeaders(request, true), 'cache-control': 'no-store' } };
  const cors = corsHeaders(request, false);
  const navigation =
    (request.method === 'GET' || request.method === 'HEAD') &&
    (headerOf(request, 'sec-fetch-dest') === 'document' || headerOf(request, 'sec-fetch-mode') === 'navigate' || /\btext\/html\b/i.test(headerOf(request, 'accept')));
  // A navigation to a file (a path ending in a download type's extension) gets a file, as a file
  // server answers it (RFC 6266 attachment), so a browser under test starts a download.
  const file = navigation ? /\/([^/?#]+\.(?:zip|apk|bin))(?:[?#]|$)/i.exec(request.path ?? '')?.[1] : undefined;
  if (file) {
    const body = 'phonehome capture sink: a file answered by the capture sidecar, not the real site.\n';
    return { statusCode: 200, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${file.replace(/["\\]/g, '_')}"`, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', ...cors }, ...(request.method === 'HEAD' ? {} : { body }) };
  }
  if (navigation) {
    return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(SINK_PAGE)), 'cache-control': 'no-store', ...cors }, ...(request.method === 'HEAD' ? {} : { body: SINK_PAGE }) };
  }
  return { statusCode: 204, headers: { 'cache-control': 'no-store', ...cors } };
}
