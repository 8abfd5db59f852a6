/**
 * Why a request from the simulated phone failed, in the vocabulary of Chromium's net errors (what
 * a browser shows on its error page) with the phone-side cause. Never thrown for HTTP statuses.
 */
export type NetErrorKind =
  | 'no-network' // no proxy and the host is not on the phone's loopback: this phone has no internet
  | 'proxy-unreachable' // the configured proxy did not accept the connection
  | 'tunnel-failed' // the proxy refused CONNECT (status != 200)
  | 'tls-untrusted' // the server's certificate does not chain to a CA this app trusts
  | 'tls-name-mismatch' // the certificate is not for the host
  | 'tls-failed' // any other handshake failure
  | 'timeout'
  | 'connection-closed' // closed before a complete response
  | 'invalid-response'
  | 'too-large' // response body over the stack's bound
  | 'too-many-redirects'
  | 'invalid-url';

const chromium: Record<NetErrorKind, [name: string, code: number]> = {
  'no-network': ['ERR_INTERNET_DISCONNECTED', -106],
  'proxy-unreachable': ['ERR_PROXY_CONNECTION_FAILED', -130],
  'tunnel-failed': ['ERR_TUNNEL_CONNECTION_FAILED', -111],
  'tls-untrusted': ['ERR_CERT_AUTHORITY_INVALID', -202],
  'tls-name-mismatch': ['ERR_CERT_COMMON_NAME_INVALID', -200],
  'tls-failed': ['ERR_SSL_PROTOCOL_ERROR', -107],
  timeout: ['ERR_TIMED_OUT', -7],
  'connection-closed': ['ERR_CONNECTION_CLOSED', -100],
  'invalid-response': ['ERR_INVALID_RESPONSE', -320],
  'too-large': ['ERR_FILE_TOO_BIG', -27],
  'too-many-redirects': ['ERR_TOO_MANY_REDIRECTS', -310],
  'invalid-url': ['ERR_INVALID_URL', -300],
};

export class NetError extends Error {
  readonly kind: NetErrorKind;
  /** Chromium's name for it, e.g. `ERR_CERT_AUTHORITY_INVALID` (what the error page shows). */
  readonly chromiumName: string;
  /** Chromium's numeric net_error, e.g. -202. */
  readonly netError: number;
  constructor(kind: NetErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetError';
    this.kind = kind;
    [this.chromiumName, this.netError] = chromium[kind];
  }

  /** True when the failure was the app refusing the server's certificate (a capture blind spot). */
  get isTrustFailure(): boolean {
    return this.kind === 'tls-untrusted' || this.kind === 'tls-name-mismatch';
  }
}
