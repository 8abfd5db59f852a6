import type { TLSSocket } from 'node:tls';
import type { TlsDetails } from './types.js';

/** What a TLS socket (or Node's HTTP/2 proxy of one) lets us read; every member may be missing. */
type TlsLike = Partial<Pick<TLSSocket, 'getProtocol' | 'getCipher' | 'alpnProtocol'>> & { encrypted?: boolean; servername?: string | false | null };

/**
 * The negotiated TLS parameters of a connection, from Node's TLSSocket (getProtocol, getCipher,
 * alpnProtocol, servername: https://nodejs.org/docs/latest-v20.x/api/tls.html#class-tlstlssocket).
 * `sni` is given by the caller when the socket does not carry it (a client socket's servername is
 * what it asked for). Undefined for a plain socket. Never throws: an HTTP/2 session's socket proxy
 * refuses some access once the session closed, and a half-closed socket may have no cipher left.
 */
export function describeTls(socket: unknown, sni?: string): TlsDetails | undefined {
  const s = socket as TlsLike | undefined;
  try {
    if (!s?.encrypted) return undefined;
    const details: TlsDetails = {};
    const version = s.getProtocol?.();
    if (typeof version === 'string') details.version = version;
    const cipher = s.getCipher?.();
    // The IANA name (standardName, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), as Wireshark and
    // browsers show it; OpenSSL's own name when Node has no IANA one.
    const cipherName = cipher?.standardName ?? cipher?.name;
    if (typeof cipherName === 'string') details.cipher = cipherName;
    if (typeof s.alpnProtocol === 'string') details.alpn = s.alpnProtocol;
    const name = typeof s.servername === 'string' && s.servername !== '' ? s.servername : sni;
    if (name) details.sni = name;
    return details;
  } catch {
    return undefined;
  }
}

/** One line for reports: `TLSv1.3, TLS_AES_256_GCM_SHA384, ALPN h2, SNI example.com`. */
export function tlsSummary(tls: TlsDetails): string {
  return [tls.version ?? 'TLS (version unknown)', tls.cipher, `ALPN ${tls.alpn ?? 'none'}`, `SNI ${tls.sni ?? 'none'}`].filter(Boolean).join(', ');
}
