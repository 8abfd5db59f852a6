import type { Flow, Header } from './types.js';

function header(headers: Header[], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** One human-readable line for a flow, e.g. `POST https://a.example/p?q=1 -> 204  req 5 B gzip  res 0 B  HTTP/2 TLSv1.3  upstream HTTP/2  2 trailers`. */
export function summarizeFlow(flow: Flow): string {
  const defaultPort = flow.scheme === 'https' || flow.scheme === 'wss' ? 443 : 80;
  const where = `${flow.scheme}://${flow.host}${flow.port === defaultPort ? '' : `:${flow.port}`}${flow.path}${flow.query ? `?${flow.query}` : ''}`;
  const reqEncoding = header(flow.request.headers, 'content-encoding');
  const parts = [
    `${flow.method} ${where}`,
    `-> ${flow.response ? flow.response.status : 'no response'}`,
    `req ${flow.request.body.size} B${reqEncoding ? ` ${reqEncoding}` : ''}`,
    `res ${flow.response?.body.size ?? 0} B`,
    `HTTP/${flow.httpVersion}${flow.tls?.version ? ` ${flow.tls.version}` : ''}`,
  ];
  if (flow.upstream) parts.push(`upstream HTTP/${flow.upstream.httpVersion}`);
  const trailers = (flow.request.trailers?.length ?? 0) + (flow.response?.trailers?.length ?? 0);
  if (trailers > 0) parts.push(`${trailers} trailer${trailers === 1 ? '' : 's'}`);
  if (flow.websocket) parts.push(`${flow.websocket.messages.length} ws messages`);
  if (flow.error) parts.push(`error: ${flow.error}`);
  return parts.join('  ');
}
