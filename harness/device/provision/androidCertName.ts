import { createHash, X509Certificate } from 'node:crypto';
import { PhonehomeError } from '../../errors.js';

/** One DER element: where its contents start and end inside the buffer. */
interface Tlv {
  tag: number;
  start: number; // first byte of the element (its tag)
  contentStart: number;
  end: number; // one past the last content byte
}

function readTlv(der: Buffer, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER element');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // Certificates never need more than 4 length octets; more means garbage.
    if (octets === 0 || octets > 4 || contentStart + octets > limit) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('DER element runs past its parent');
  return { tag, start: offset, contentStart, end };
}

/** The subject Name of a certificate exactly as encoded (DER), the input of OpenSSL's name hashes. */
export function subjectDer(certDer: Buffer): Buffer {
  const SEQUENCE = 0x30;
  const certificate = readTlv(certDer, 0, certDer.length);
  if (certificate.tag !== SEQUENCE) throw new Error('not a certificate (no outer SEQUENCE)');
  const tbs = readTlv(certDer, certificate.contentStart, certificate.end);
  if (tbs.tag !== SEQUENCE) throw new Error('not a certificate (no tbsCertificate)');
  let at = tbs.contentStart;
  let element = readTlv(certDer, at, tbs.end);
  if (element.tag === 0xa0) {
    // [0] EXPLICIT version is optional (absent means v1).
    at = element.end;
    element = readTlv(certDer, at, tbs.end);
  }
  // serialNumber, signature, issuer, validity, then subject.
  for (let skip = 0; skip < 4; skip++) {
    at = element.end;
    element = readTlv(certDer, at, tbs.end);
  }
  if (element.tag !== SEQUENCE) throw new Error('subject is not a Name');
  return certDer.subarray(element.start, element.end);
}

/**
 * OpenSSL's X509_subject_name_hash_old (`openssl x509 -subject_hash_old`): the first four bytes of
 * the MD5 of the subject's DER, read little-endian, as 8 hex digits. Android names the files of its
 * system CA store `<this>.0`.
 */
export function subjectHashOld(certPem: string): string {
  let der: Buffer;
  try {
    der = Buffer.from(new X509Certificate(certPem).raw);
  } catch (error) {
    throw new PhonehomeError(`not a PEM certificate: ${(error as Error).message}`);
  }
  const md5 = createHash('md5').update(subjectDer(der)).digest();
  return md5.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** The file Android's system store (/system/etc/security/cacerts) wants for this certificate. */
export function androidSystemCertificate(certPem: string): { fileName: string; content: string } {
  const pem = certPem.replace(/\r\n/g, '\n');
  return { fileName: `${subjectHashOld(certPem)}.0`, content: pem.endsWith('\n') ? pem : pem + '\n' };
}
