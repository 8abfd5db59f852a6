import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface ProxyTunnelAgentOptions extends https.AgentOptions {
  /** The HTTP proxy (the capture sidecar), e.g. { host: '127.0.0.1', port: 43123 }. */
  proxy: { host: string; port: number };
}

/** Opens a CONNECT tunnel through an HTTP proxy; resolves with the raw tunnel socket. */
export function openTunnel(proxy: { host: string; port: number }, host: string, port: number, timeoutMs = 10_000): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const req = http.request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: authority, headers: { host: authority }, timeout: timeoutMs });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxy refused CONNECT ${authority}: ${res.statusCode}`));
      } else resolve(socket);
    });
    req.once('timeout', () => req.destroy(new Error(`CONNECT ${authority} timed out`)));
    req.once('error', reject);
    req.end();
  });
}

/**
 * An https.Agent that reaches every origin through an HTTP proxy's CONNECT tunnel, the way a phone
 * configured with a proxy does. Keep-alive and TLS options (ca, ALPN …) work as with any Agent.
 * Used by the demo, the tests and the benchmark to talk HTTPS through the sidecar.
 */
export class ProxyTunnelAgent extends https.Agent {
  readonly proxy: { host: string; port: number };

  constructor(options: ProxyTunnelAgentOptions) {
    super(options);
    this.proxy = options.proxy;
  }

  // Node's Agent calls createConnection(options, callback) and accepts the socket via the callback.
  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    openTunnel(this.proxy, host, port).then(
      (tunnel) => {
        const socket = tls.connect({ ...options, socket: tunnel, servername: options.servername ?? (host.match(/^[\d.]+$|:/) ? undefined : host) });
        callback(null, socket);
      },
      (error: Error) => callback(error),
    );
    return undefined;
  }
}
