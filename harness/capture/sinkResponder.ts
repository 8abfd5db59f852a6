import type { CompletedRequest } from 'mockttp';

/** What the sink serves to a navigation: a page a browser can render, saying where it is. */
export const SINK_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>phonehome sink</title></head>' +
  '<body><p>phonehome capture sink: this page was answered by the capture sidecar, not the real site.</p></body></html>\n';

/**
 * Sink mode answers everything itself: a small HTML page for navigations (so a browser under test
 * shows a page and carries on), 204 No Content for the rest (beacons, telemetry, assets).
 */
export function sinkResponse(request: Pick<CompletedRequest, 'method' | 'headers'>): {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
} {
  const h = request.headers;
  const header = (name: string) => {
    const v = h[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const navigation =
    (request.method === 'GET' || request.method === 'HEAD') &&
    (header('sec-fetch-dest') === 'document' || header('sec-fetch-mode') === 'navigate' || /\btext\/html\b/i.test(header('accept')));
  if (navigation) {
    return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(SINK_PAGE)), 'cache-control': 'no-store' }, ...(request.method === 'HEAD' ? {} : { body: SINK_PAGE }) };
  }
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}
