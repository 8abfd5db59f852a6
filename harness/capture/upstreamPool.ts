import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { UpstreamH2Sessions } from './upstreamH2.js';

export interface UpstreamPoolOptions {
  /** Extra CAs (PEM) trusted for upstream servers besides Node's bundled roots. */
  trustedCAs?: string[];
  /** Idle keep-alive connections kept per origin. */
  maxFreeSockets?: number;
}

/**
 * The live mode's upstream connections: one keep-alive pool per scheme, shared by every client
 * connection, so a request to an origin seen before reuses an open (TLS) connection instead of
 * paying TCP + TLS again.
 *
 * Extra CAs go into one TLS context built once. Handing them to Node as a per-request `ca` list
 * would make every request re-serialise ~150 root certificates into the agent's pool key (that,
 * and a new context per connection, was most of the old live mode's CPU time).
 */
export class UpstreamPool {
  readonly http: http.Agent;
  readonly https: https.Agent;
  /** HTTP/2 sessions, for HTTP/2 clients of origins that offer h2. */
  readonly h2: UpstreamH2Sessions;
  /** The TLS context upstream connections verify servers with (undefined: Node's default trust). */
  readonly secureContext: tls.SecureContext | undefined;

  constructor(options: UpstreamPoolOptions = {}) {
    const common = { keepAlive: true, scheduling: 'lifo' as const, maxFreeSockets: options.maxFreeSockets ?? 64 };
    this.http = new http.Agent(common);
    const cas = options.trustedCAs ?? [];
    // Without extra CAs, Node's default trust (bundled roots + NODE_EXTRA_CA_CERTS) applies unchanged.
    const secureContext = cas.length > 0 ? tls.createSecureContext({ ca: [...tls.rootCertificates, ...cas] }) : undefined;
    // ALPN `http/1.1`, as browsers offer ALPN on every connection (with h2; the h2 sessions offer
    // both): a server set to require ALPN answers a client that offers none with a
    // no_application_protocol alert (h2o/quicly#212 does so), and would then refuse the relay and
    // not the phone. Most servers still accept no ALPN (apache/trafficserver#7980: 8% of its clients).
    this.https = new https.Agent({ ...common, ALPNProtocols: ['http/1.1'], ...(secureContext ? { secureContext } : {}) });
    this.secureContext = secureContext;
    this.h2 = new UpstreamH2Sessions(secureContext);
  }

  agent(secure: boolean): http.Agent {
    return secure ? this.https : this.http;
  }

  /** Closes every pooled connection (in-flight requests on them fail). */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
    this.h2.destroy();
  }
}
