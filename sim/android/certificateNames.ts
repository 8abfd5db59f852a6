import { createHash } from 'node:crypto';

/** The first certificate of a PEM text as DER; null when there is none. */
export function pemToDer(text: string): Buffer | null {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text)?.[1];
  return body ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : null;
}

/** Content bounds of the DER element at `at` (definite lengths only, as certificates use). */
function element(der: Buffer, at: number): { tag: number; body: number; end: number } {
  const tag = der[at];
  let length = der[at + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let body = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 4) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[body + i] ?? 0);
    body += n;
  }
  if (body + length > der.length) throw new Error('DER runs past its end');
  return { tag, body, end: body + length };
}

/**
 * OpenSSL's X509_subject_name_hash_old, the name Android gives CA files (`<hash>.0`): the first
 * four bytes of MD5 over the subject Name's DER, read little-endian. The subject is the sixth
 * field of tbsCertificate once the optional [0] version is skipped (RFC 5280 §4.1).
 */
export function subjectHashOld(der: Buffer): string {
  const cert = element(der, 0);
  const tbs = element(der, cert.body);
  let at = tbs.body;
  let field = element(der, at);
  if (field.tag === 0xa0) {
    at = field.end;
    field = element(der, at);
  }
  // serialNumber, signature, issuer, validity, then subject.
  for (let i = 0; i < 4; i++) {
    at = field.end;
    field = element(der, at);
  }
  const digest = createHash('md5').update(der.subarray(at, field.end)).digest();
  return digest.readUInt32LE(0).toString(16).padStart(8, '0');
}
