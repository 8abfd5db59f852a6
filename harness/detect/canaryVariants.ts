/**
 * Every encoded form of a canary that can be found without decoding: the form itself (also with
 * '+' for each space, as form encoding writes it), its base64 /
 * base64url at each of the three alignments it can have inside a longer plaintext, hex in either
 * case, and md5 / sha1 / sha256 digests as hex or base64. Built once per canary; the matcher then
 * finds all of them in one pass. Encodings that need decoding first (compression, percent, JSON
 * escapes, form fields) are handled by the layer decoders instead.
 */
import { createHash } from 'node:crypto';
import { MIN_PATTERN_BYTES } from './patternMatcher.js';

export interface CanaryVariant {
  bytes: Buffer;
  /** Decoding labels that expose the canary from these bytes, e.g. ['base64'] or ['sha256']; [] = plain. */
  encoding: string[];
}

/**
 * The base64 characters that depend only on `plain` when it starts `align` bytes (mod 3) into a
 * longer plaintext: those are the same whatever surrounds the canary.
 */
export function base64Core(plain: Buffer, align: 0 | 1 | 2): string {
  const padded = Buffer.concat([Buffer.alloc(align), plain]);
  const encoded = padded.toString('base64').replace(/=+$/, '');
  const first = Math.ceil((8 * align) / 6);
  const end = Math.floor((8 * (align + plain.length)) / 6);
  return encoded.slice(first, end);
}

/** The label of the '+'-for-space variant: the same decoding a percent view names. */
export const PLUS_AS_SPACE = 'urldecode';

const HASHES = ['md5', 'sha1', 'sha256'] as const;

export function encodedVariants(form: string): CanaryVariant[] {
  const plain = Buffer.from(form, 'utf8');
  const out: CanaryVariant[] = [];
  const seen = new Set<string>();
  const add = (text: string | Buffer, encoding: string[]) => {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    if (bytes.length < MIN_PATTERN_BYTES) return;
    const key = bytes.toString('latin1');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ bytes, encoding });
  };
  add(plain, []);
  // Form encoding writes a space as '+': searched as a variant, so text holding '+' (every base64
  // string does) needs no decoded copy of its own.
  if (form.includes(' ')) add(Buffer.from(form.replace(/ /g, '+'), 'utf8'), [PLUS_AS_SPACE]);
  // JSON encoders that escape '/' (PHP, org.json): the plain form is then never on the wire.
  if (form.includes('/')) add(Buffer.from(form.replace(/\//g, '\\/'), 'utf8'), ['json-escape']);
  for (const align of [0, 1, 2] as const) {
    const core = base64Core(plain, align);
    add(core, ['base64']);
    add(core.replace(/\+/g, '-').replace(/\//g, '_'), ['base64url']);
  }
  const hex = plain.toString('hex');
  add(hex, ['hex']);
  add(hex.toUpperCase(), ['hex']);
  for (const h of HASHES) {
    const digest = createHash(h).update(plain).digest();
    add(digest.toString('hex'), [h]);
    add(digest.toString('hex').toUpperCase(), [h]);
    const b64 = digest.toString('base64').replace(/=+$/, '');
    add(b64, [`${h}-base64`]);
    add(b64.replace(/\+/g, '-').replace(/\//g, '_'), [`${h}-base64`]);
  }
  return out;
}
