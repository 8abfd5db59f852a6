import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { PhoneContext } from '../services.js';
import { exchange, type WireResponse } from './httpExchange.js';
import { NetError } from './netError.js';
import { isPhoneLoopback, parseHttpProxy, type ProxyAddress } from './proxySetting.js';
import { handshake } from './tlsHandshake.js';
import { connectFromPhone, messageOf, openTunnel } from './transport.js';
import { trustedCAs } from './trustStore.js';

export interface NetLimits {
  connectTimeoutMs: number;
  /** From the request being written to the last body byte. */
  responseTimeoutMs: number;
  maxBodyBytes: number;
}

export const defaultNetLimits: NetLimits = { connectTimeoutMs: 5000, responseTimeoutMs: 15000, maxBodyBytes: 8 * 1024 * 1024 };

export interface NetRequest {
  url: string;
  method?: string;
  /** Request headers in wire order, without Host (the stack adds it first). */
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** Whether this client's TLS trusts the user CA store (Android 7+ default: false). */
  trustsUserCAs: boolean;
  /** Sent on CONNECT too, as Android's stacks do, and added to the request when `headers` has none. */
  userAgent: string;
  /** Which stack the app uses, for how failures read in logcat: Chromium (pages) or Java (SDKs). */
  client: 'chromium' | 'java';
  /** logcat tag and pid of the app making the request. */
  logTag: string;
  pid?: number;
  /** Chromium's --ignore-certificate-errors-spki-list, when the app's command line has it. */
  ignoreCertErrorsSpki?: readonly string[];
}

export interface NetResponse extends WireResponse {
  url: string;
}

export interface NetworkStackEvents {
  request: [{ url: string; method: string; via: 'proxy' | 'loopback' | 'none' }];
  response: [{ url: string; method: string; status: number }];
  failed: [{ url: string; method: string; error: NetError }];
}

/**
 * The simulated phone's HTTP(S) client, shared by its apps. Every request reads the current
 * `http_proxy` setting and CA stores (so provisioning takes effect at once), tunnels HTTPS through
 * the proxy with CONNECT, verifies against exactly the CAs the calling app trusts, and never falls
 * back to clear text: a failure is logged to logcat and thrown as a NetError.
 */
export class NetworkStack extends EventEmitter<NetworkStackEvents> {
  readonly limits: NetLimits;
  private readonly ctx: PhoneContext;

  constructor(ctx: PhoneContext, limits: Partial<NetLimits> = {}) {
    super();
    this.ctx = ctx;
    this.limits = { ...defaultNetLimits, ...limits };
  }

  async request(request: NetRequest): Promise<NetResponse> {
    const method = request.method ?? 'GET';
    try {
      const response = await this.send(request, method);
      this.emit('response', { url: request.url, method, status: response.status });
      return response;
    } catch (caught) {
      const error = caught instanceof NetError ? caught : new NetError('connection-closed', messageOf(caught), { cause: caught });
      this.logFailure(request, method, error);
      this.emit('failed', { url: request.url, method, error });
      throw error;
    }
  }

  /** The proxy the phone is configured with right now (null: none). */
  currentProxy(): ProxyAddress | null {
    const setting = parseHttpProxy(this.ctx.setting('global', 'http_proxy'));
    if (setting.kind === 'invalid') {
      this.ctx.log(5, 'Proxy', `ignoring invalid global http_proxy '${setting.raw.slice(0, 100)}' (want host:port)`);
      return null;
    }
    return setting.kind === 'proxy' ? setting.address : null;
  }

  private async send(request: NetRequest, method: string): Promise<NetResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new NetError('invalid-url', `not a URL: ${request.url.slice(0, 200)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NetError('invalid-url', `unsupported scheme ${url.protocol} in ${request.url.slice(0, 200)}`);
    const secure = url.protocol === 'https:';
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    // Loopback never goes through the proxy (Android's and Chromium's implicit bypass).
    const proxy = isPhoneLoopback(host) ? null : this.currentProxy();
    this.emit('request', { url: request.url, method, via: proxy ? 'proxy' : isPhoneLoopback(host) ? 'loopback' : 'none' });

    const { connectTimeoutMs, responseTimeoutMs, maxBodyBytes } = this.limits;
    let socket: Duplex = proxy
      ? await connectFromPhone(this.ctx, proxy, connectTimeoutMs, 'proxy')
      : await connectFromPhone(this.ctx, { host, port }, connectTimeoutMs, 'direct');
    if (secure) {
      if (proxy) socket = await openTunnel(socket, { host, port }, request.userAgent, connectTimeoutMs, proxy);
      socket = await handshake(socket, host, trustedCAs(this.ctx, request.trustsUserCAs, request.pid), connectTimeoutMs, request.ignoreCertErrorsSpki);
    }
    const defaultPort = secure ? 443 : 80;
    const hostHeader = port === defaultPort ? url.host.replace(/:\d+$/, '') : url.host;
    const target = proxy && !secure ? `${url.protocol}//${url.host}${url.pathname}${url.search}` : `${url.pathname}${url.search}`;
    const headers: Array<[string, string]> = [['Host', hostHeader], ...(request.headers ?? [])];
    if (!headers.some(([k]) => k.toLowerCase() === 'user-agent')) headers.push(['User-Agent', request.userAgent]);
    if (request.body && request.body.length > 0 && !headers.some(([k]) => k.toLowerCase() === 'content-length')) {
      headers.push(['Content-Length', String(request.body.length)]);
    }
    const response = await exchange(socket, { method, target, headers, body: request.body }, { timeoutMs: responseTimeoutMs, maxBodyBytes }, `${method} ${request.url.slice(0, 200)}`);
    return { ...response, url: request.url };
  }

  private logFailure(request: NetRequest, method: string, error: NetError): void {
    const where = `${method} ${request.url.slice(0, 300)}`;
    let message: string;
    if (request.client === 'chromium') {
      message = error.isTrustFailure || error.kind === 'tls-failed'
        ? `[ERROR:ssl_client_socket_impl.cc(946)] handshake failed; returned -1, SSL error code 1, net_error ${error.netError} (${where})`
        : `[ERROR:network] net::${error.chromiumName} ${where}: ${error.message}`;
    } else {
      message = error.isTrustFailure
        ? `javax.net.ssl.SSLHandshakeException: java.security.cert.CertPathValidatorException: Trust anchor for certification path not found. (${where})`
        : error.kind === 'no-network'
          ? `java.net.UnknownHostException: Unable to resolve host "${safeHost(request.url)}": No address associated with hostname (${where})`
          : `java.io.IOException: ${error.message}`;
    }
    this.ctx.log(6, request.logTag, message, request.pid);
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '?';
  }
}
