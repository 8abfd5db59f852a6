import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { NetError } from './netError.js';

/** OpenSSL verification codes that mean "this certificate does not chain to a CA we trust". */
const untrustedCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);

/**
 * TLS client handshake over an existing stream (a CONNECT tunnel or a loopback socket), trusting
 * exactly `cas`. On a trust failure the connection is closed without sending application data,
 * which is how an intercepting proxy sees a client that rejected its certificate.
 */
export function handshake(socket: Duplex, host: string, cas: string[], timeoutMs: number, ignoreErrorsForSpki: readonly string[] = []): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    // Chromium's --ignore-certificate-errors-spki-list: certificate errors are ignored for a chain
    // holding one of these public keys (sha256 of the SPKI, base64), so verify by hand then.
    const lenient = ignoreErrorsForSpki.length > 0;
    const secure = tls.connect({
      socket,
      // SNI carries names only, never IP literals (RFC 6066 §3).
      servername: net.isIP(host) ? undefined : host,
      host,
      secureContext: trustContext(cas),
      rejectUnauthorized: !lenient,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => fail(new NetError('timeout', `TLS handshake with ${host} timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: NetError) => {
      clearTimeout(timer);
      secure.removeAllListeners('secureConnect');
      secure.destroy();
      socket.destroy();
      reject(error);
    };
    secure.once('secureConnect', () => {
      if (lenient && !secure.authorized && !chainHasSpki(secure, ignoreErrorsForSpki)) {
        const code = String(secure.authorizationError ?? 'CERT_UNTRUSTED');
        fail(new NetError('tls-untrusted', `TLS certificate of ${host} is not trusted (${code}): Trust anchor for certification path not found`));
        return;
      }
      clearTimeout(timer);
      secure.removeAllListeners('error');
      resolve(secure);
    });
    secure.once('error', (error: Error & { code?: string }) => {
      const code = error.code ?? '';
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        fail(new NetError('tls-name-mismatch', `TLS certificate of ${host} is not valid for that name: ${error.message}`, { cause: error }));
      } else if (untrustedCodes.has(code)) {
        fail(new NetError('tls-untrusted', `TLS certificate of ${host} is not trusted (${code}): Trust anchor for certification path not found`, { cause: error }));
      } else {
        fail(new NetError('tls-failed', `TLS handshake with ${host} failed: ${code || error.message}`, { cause: error }));
      }
    });
  });
}

/**
 * One SecureContext per distinct set of trusted CAs. Parsing a full system store (~140 roots) into
 * an OpenSSL context costs tens to hundreds of milliseconds, and the store is re-read for every
 * handshake (so a CA pushed a moment ago counts): the same certificates, in the same order, reuse
 * the context built for them. Each PEM gets a small number (V8 caches a string's hash, so this is
 * cheap), and the list of numbers is the key.
 */
const pemIds = new Map<string, number>();
const contexts = new Map<string, tls.SecureContext>();
const MAX_CONTEXTS = 32;

export function trustContext(cas: readonly string[]): tls.SecureContext {
  if (pemIds.size > 10_000) pemIds.clear();
  const key = cas.map((pem) => {
    let id = pemIds.get(pem);
    if (id === undefined) pemIds.set(pem, (id = pemIds.size));
    return id;
  }).join(',');
  let context = contexts.get(key);
  if (context) {
    // Most recently used last: the oldest goes first when the cache is full.
    contexts.delete(key);
  } else {
    context = tls.createSecureContext({ ca: [...cas], minVersion: 'TLSv1.2' });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
  }
  contexts.set(key, context);
  return context;
}

/** sha256 of a certificate's SubjectPublicKeyInfo, base64: the form Chromium's SPKI lists take. */
export function spkiHash(certDer: Buffer): string {
  const spki = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Whether any certificate the server sent carries one of the public keys. */
function chainHasSpki(secure: tls.TLSSocket, wanted: readonly string[]): boolean {
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = secure.getPeerCertificate(true) as tls.DetailedPeerCertificate;
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (wanted.includes(spkiHash(cert.raw))) return true;
    cert = cert.issuerCertificate;
  }
  return false;
}
