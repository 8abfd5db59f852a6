/**
 * Reads a capture body for the detector up to a limit instead of refusing it: a body over the
 * limit is read to the limit and searched, and LeakFinder reports the rest unseen (a canary in
 * the first 64 MB of a 100 MB upload is found; the flow still blinds its visits' verdicts).
 */
import { DEFAULT_MAX_BODY_BYTES, readBody } from '../capture/index.js';
import type { BodyRef } from '../capture/types.js';

export { DEFAULT_MAX_BODY_BYTES };

export async function readBodyPrefix(dir: string, ref: BodyRef, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  if (ref.size <= maxBytes) return readBody(dir, ref, maxBytes);
  if (ref.inline !== undefined) {
    // 4 base64 characters per 3 bytes: the first maxBytes bytes, decoded without the rest.
    return Buffer.from(ref.inline.slice(0, Math.floor(maxBytes / 3) * 4), 'base64');
  }
  // The body's first maxBytes bytes, where it starts (a blob holds many bodies; else offset 0).
  return readBody(dir, { ...ref, offset: ref.offset ?? 0, size: maxBytes }, maxBytes);
}
