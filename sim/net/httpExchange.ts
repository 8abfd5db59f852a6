import http from 'node:http';
import type { Duplex } from 'node:stream';
import { NetError } from './netError.js';

/** One HTTP/1.1 request as written on the wire (headers in order, Host included by the caller). */
export interface WireRequest {
  method: string;
  /** origin-form (`/path?q`) or, to a proxy, absolute-form (`http://host/path?q`). */
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

export interface WireResponse {
  status: number;
  statusMessage: string;
  headers: Array<[string, string]>;
  /** Raw body (still content-encoded). */
  body: Buffer;
}

/**
 * Sends one request over `socket` and reads the response, bounded in time and size; the socket is
 * closed afterwards (the simulated apps do not pool connections).
 */
export function exchange(socket: Duplex, request: WireRequest, limits: { timeoutMs: number; maxBodyBytes: number }, what: string): Promise<WireResponse> {
  return new Promise<WireResponse>((resolve, reject) => {
    let settled = false;
    const done = (error: NetError | null, response?: WireResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(() => done(new NetError('timeout', `${what}: no complete response within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    const req = http.request({
      createConnection: () => socket as unknown as import('node:net').Socket,
      method: request.method,
      path: request.target,
      // An array keeps our header order and stops node adding its own Host / Connection.
      headers: request.headers as unknown as http.OutgoingHttpHeaders,
      setHost: false,
    });
    req.on('error', (error: Error & { code?: string }) => {
      const kind = error.code === 'HPE_INVALID_CONSTANT' || error.code?.startsWith('HPE_') ? 'invalid-response' : 'connection-closed';
      done(new NetError(kind, `${what}: ${error.message}`, { cause: error }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBodyBytes) {
          done(new NetError('too-large', `${what}: response body over ${limits.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('aborted', () => done(new NetError('connection-closed', `${what}: connection closed mid-response`)));
      res.on('error', (error) => done(new NetError('connection-closed', `${what}: ${error.message}`, { cause: error })));
      res.on('end', () => {
        const headers: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        done(null, { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers, body: Buffer.concat(chunks) });
      });
    });
    req.end(request.body && request.body.length > 0 ? request.body : undefined);
  });
}
