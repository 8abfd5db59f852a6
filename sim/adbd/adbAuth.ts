import { createPublicKey, publicDecrypt, constants, randomBytes, type KeyObject } from 'node:crypto';

/** 20 random bytes the device asks the host to sign (TOKEN_SIZE in adb). */
export function newAuthToken(): Buffer {
  return randomBytes(20);
}

/**
 * Parses one adb public key line (`<base64 RSAPublicKey> user@host`, as in adb_keys and the
 * AUTH(RSAPUBLICKEY) payload). The base64 blob is Android's mincrypt layout: u32 word count,
 * u32 n0inv, modulus as little-endian u32 words, rr, u32 exponent.
 */
export function parseAdbPublicKey(line: string): KeyObject | null {
  const blob = Buffer.from(line.trim().split(/\s+/)[0] ?? '', 'base64');
  if (blob.length < 12) return null;
  const words = blob.readUInt32LE(0);
  if (words < 16 || words > 256 || blob.length < 8 + words * 8 + 4) return null;
  const modulusLE = blob.subarray(8, 8 + words * 4);
  const modulus = Buffer.from(modulusLE).reverse();
  const exponent = blob.readUInt32LE(8 + words * 8);
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  let start = 0;
  while (start < 3 && e[start] === 0) start++;
  try {
    return createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: e.subarray(start).toString('base64url') }, format: 'jwk' });
  } catch {
    return null;
  }
}

// DER prefix of a PKCS#1 DigestInfo for SHA-1: adb signs the token with RSA_sign(NID_sha1, token).
const SHA1_DIGEST_INFO = Buffer.from('3021300906052b0e03021a05000414', 'hex');

/** True when `signature` is the token signed by one of `keys` (adb_keys lines). */
export function verifyAuthSignature(token: Buffer, signature: Buffer, keys: string[]): boolean {
  for (const line of keys) {
    const key = parseAdbPublicKey(line);
    if (!key) continue;
    try {
      const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      if (decoded.equals(Buffer.concat([SHA1_DIGEST_INFO, token]))) return true;
    } catch {
      // wrong key for this signature: try the next
    }
  }
  return false;
}
