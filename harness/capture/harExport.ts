import type { Har, Entry, Header as HarHeader, QueryString } from 'har-format';
import { readBody, readFlows } from './captureReader.js';
import type { BodyRef, Flow, Header } from './types.js';

/** Bodies larger than this are left out of the HAR (the entry says so in a comment); the capture keeps them. */
export const HAR_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HarExportOptions {
  maxBodyBytes?: number;
  creatorVersion?: string;
}

function headerValue(headers: Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

function harHeaders(headers: Header[]): HarHeader[] {
  return headers.map(([name, value]) => ({ name, value }));
}

function queryString(query: string): QueryString[] {
  if (query === '') return [];
  return query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? '' : pair.slice(eq + 1);
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s; // malformed escapes stay as sent
      }
    };
    return { name: decode(name), value: decode(value) };
  });
}

/** Body bytes as HAR text: UTF-8 when the bytes are valid UTF-8 and not content-encoded, base64 otherwise. */
async function harText(
  dir: string,
  ref: BodyRef,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<{ text?: string; encoding?: 'base64'; comment?: string }> {
  if (ref.size === 0) return { text: '' };
  if (ref.size > maxBytes) return { comment: `body of ${ref.size} bytes left out (over ${maxBytes}); it is in the capture folder` };
  const bytes = await readBody(dir, ref, maxBytes);
  const truncated = ref.truncated ? 'body truncated by the capture' : undefined;
  const encoded = contentEncoding !== undefined && contentEncoding !== '' && contentEncoding.toLowerCase() !== 'identity';
  if (!encoded) {
    const text = new TextDecoder('utf-8', { fatal: true });
    try {
      return { text: text.decode(bytes), ...(truncated ? { comment: truncated } : {}) };
    } catch {
      /* binary: base64 below */
    }
  }
  const comment = [encoded ? `raw bytes as sent (content-encoding ${contentEncoding} not removed)` : undefined, truncated].filter(Boolean).join('; ');
  return { text: bytes.toString('base64'), encoding: 'base64', ...(comment ? { comment } : {}) };
}

function httpVersionName(version: string): string {
  return version === '2' ? 'HTTP/2' : `HTTP/${version}`;
}

/** The client's version: the one it spoke and was answered in. */
function httpVersion(flow: Flow): string {
  return httpVersionName(flow.httpVersion);
}

function url(flow: Flow): string {
  const defaultPort = flow.scheme === 'https' || flow.scheme === 'wss' ? 443 : 80;
  const host = flow.host.includes(':') ? `[${flow.host}]` : flow.host;
  return `${flow.scheme}://${host}${flow.port === defaultPort ? '' : `:${flow.port}`}${flow.path}${flow.query ? `?${flow.query}` : ''}`;
}

async function entry(dir: string, flow: Flow, maxBytes: number): Promise<Entry> {
  const time = Math.max(0, flow.endedAt - flow.startedAt);
  const reqType = headerValue(flow.request.headers, 'content-type') ?? 'application/octet-stream';
  const request: Entry['request'] = {
    method: flow.method,
    url: url(flow),
    httpVersion: httpVersion(flow),
    cookies: [],
    headers: harHeaders(flow.request.headers),
    queryString: queryString(flow.query),
    headersSize: -1,
    bodySize: flow.request.body.size,
  };
  if (flow.request.body.size > 0) {
    const body = await harText(dir, flow.request.body, headerValue(flow.request.headers, 'content-encoding'), maxBytes);
    // HAR 1.2 has no encoding for postData; we add one (as Chrome does for content) so binary bodies survive.
    request.postData = { mimeType: reqType, text: body.text ?? '', ...(body.encoding ? { encoding: body.encoding } : {}), ...(body.comment ? { comment: body.comment } : {}) } as Entry['request']['postData'];
  }
  const res = flow.response;
  const response: Entry['response'] = res
    ? {
        status: res.status,
        statusText: res.statusMessage,
        httpVersion: httpVersion(flow),
        cookies: [],
        headers: harHeaders(res.headers),
        content: {
          size: res.body.size,
          mimeType: headerValue(res.headers, 'content-type') ?? 'application/octet-stream',
          ...(await harText(dir, res.body, headerValue(res.headers, 'content-encoding'), maxBytes)),
        },
        redirectURL: headerValue(res.headers, 'location') ?? '',
        headersSize: -1,
        bodySize: res.body.size,
      }
    : {
        // HAR requires a response; status 0 is the convention for "none received".
        status: 0,
        statusText: '',
        httpVersion: httpVersion(flow),
        cookies: [],
        headers: [],
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
        headersSize: -1,
        bodySize: -1,
      };
  const result: Entry & Record<string, unknown> = {
    startedDateTime: new Date(flow.startedAt).toISOString(),
    time,
    request,
    response,
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
    _flowId: flow.id,
  };
  if (flow.upstreamIp) result.serverIPAddress = flow.upstreamIp;
  // Custom fields (HAR 1.2 §"Custom fields": names start with an underscore): trailers, which HAR
  // has no place for, and both TLS connections.
  if (flow.request.trailers) (request as Entry['request'] & Record<string, unknown>)._trailers = harHeaders(flow.request.trailers);
  if (res?.trailers) (response as Entry['response'] & Record<string, unknown>)._trailers = harHeaders(res.trailers);
  if (flow.tls || flow.upstream?.tls) result._tls = { ...(flow.tls ? { client: flow.tls } : {}), ...(flow.upstream?.tls ? { upstream: flow.upstream.tls } : {}) };
  if (flow.upstream) result._upstream = { httpVersion: httpVersionName(flow.upstream.httpVersion), ...(flow.upstream.responseVersion ? { responseVersion: httpVersionName(flow.upstream.responseVersion) } : {}) };
  if (flow.error) result.comment = flow.error;
  if (flow.websocket) {
    // Chrome's HAR extension for WebSocket frames.
    result._webSocketMessages = await Promise.all(
      flow.websocket.messages.map(async (m) => {
        const data = await harText(dir, m.body, m.binary ? 'binary' : undefined, maxBytes);
        return { type: m.direction === 'sent' ? 'send' : 'receive', time: m.at / 1000, opcode: m.binary ? 2 : 1, data: data.text ?? '' };
      }),
    );
  }
  return result;
}

/**
 * Writes the HAR of a capture folder to `write` entry by entry (entries in the order flows completed),
 * so memory holds one entry at a time however large the capture.
 */
export async function writeHar(dir: string, write: (text: string) => Promise<void> | void, options: HarExportOptions = {}): Promise<number> {
  const maxBytes = options.maxBodyBytes ?? HAR_MAX_BODY_BYTES;
  const creator = { name: 'phonehome', version: options.creatorVersion ?? '0.1.0' };
  await write(`{"log":{"version":"1.2","creator":${JSON.stringify(creator)},"entries":[`);
  let count = 0;
  for await (const flow of readFlows(dir)) {
    await write((count === 0 ? '\n' : ',\n') + JSON.stringify(await entry(dir, flow, maxBytes)));
    count++;
  }
  await write('\n]}}\n');
  return count;
}

/** HAR 1.2 of a capture folder, one entry per flow, bodies kept (text, or base64 with encoding "base64"). */
export async function captureToHar(dir: string, options: HarExportOptions = {}): Promise<Har> {
  const maxBytes = options.maxBodyBytes ?? HAR_MAX_BODY_BYTES;
  const entries: Entry[] = [];
  for await (const flow of readFlows(dir)) entries.push(await entry(dir, flow, maxBytes));
  entries.sort((a, b) => a.startedDateTime.localeCompare(b.startedDateTime));
  return { log: { version: '1.2', creator: { name: 'phonehome', version: options.creatorVersion ?? '0.1.0' }, entries } };
}
