/**
 * HTTP/1.0 kept end to end. Node's HTTP/1 client and server always write `HTTP/1.1` in their start
 * line (lib/_http_client.js builds `${method} ${path} HTTP/1.1`, lib/_http_server.js
 * `HTTP/1.1 ${status}`), though they do speak 1.0's framing: a server answering a 1.0 request
 * neither chunks nor keeps the connection alive, and a client reads a 1.0 response to its close.
 * Only the version in the start line is rewritten here, at the one place Node writes it; the
 * framing stays Node's.
 */
import net from 'node:net';
import type { ServerResponse } from 'node:http';
import tls from 'node:tls';

/** The request line Node writes first on a fresh connection, up to its version. */
const HTTP11_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.1\r\n/;

/**
 * A new connection (not pooled: HTTP/1.0 closes after each exchange, RFC 1945 §1.3) on which the
 * first request line Node writes says HTTP/1.0.
 */
export function http10Connection(options: { secure: boolean; host: string; port: number; servername?: string; secureContext?: tls.SecureContext }): net.Socket {
  const socket = options.secure
    ? tls.connect({ host: options.host, port: options.port, ALPNProtocols: ['http/1.1'], ...(options.servername ? { servername: options.servername } : {}), ...(options.secureContext ? { secureContext: options.secureContext } : {}) })
    : net.connect({ host: options.host, port: options.port });
  const write = socket.write;
  let first = true;
  socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    if (first) {
      first = false;
      socket.write = write;
      if (typeof chunk === 'string' && HTTP11_REQUEST_LINE.test(chunk)) chunk = chunk.replace(/ HTTP\/1\.1\r\n/, ' HTTP/1.0\r\n');
      else if (Buffer.isBuffer(chunk) && HTTP11_REQUEST_LINE.test(chunk.subarray(0, chunk.indexOf('\r\n') + 2).toString('latin1'))) {
        const end = chunk.indexOf('\r\n');
        chunk = Buffer.concat([chunk.subarray(0, end - 3), Buffer.from('1.0'), chunk.subarray(end)]);
      }
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof socket.write;
  return socket;
}

/**
 * Makes `response` answer in HTTP/1.0: Node's ServerResponse passes its status line to its
 * `_storeHeader` (since Node 0.x; verified for Node 20 by test/capture/keepsHttp10EndToEnd), where
 * the version is swapped. A Node that stopped calling it would answer 1.1 and that test fails.
 */
export function answerInHttp10(response: ServerResponse): void {
  const target = response as unknown as { _storeHeader?: (firstLine: string, headers: unknown) => void };
  const store = target._storeHeader;
  if (typeof store !== 'function') return;
  target._storeHeader = function (this: unknown, firstLine: string, headers: unknown) {
    return store.call(this, firstLine.replace(/^HTTP\/1\.1 /, 'HTTP/1.0 '), headers);
  };
}
