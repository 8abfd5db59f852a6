/**
 * Runs of base64 / base64url / hex characters in a buffer: candidates for a decoding layer. One pass
 * with a byte-class table; the matcher separately finds canaries encoded at any alignment, so a run
 * is only decoded to reach what is nested inside it (gzip, JSON, another encoding).
 */

export interface EncodedRun {
  start: number;
  end: number;
  kind: 'base64' | 'base64url' | 'hex';
  /** Only decimal digits: a number unless it decodes (as hex) to text. */
  digitsOnly?: boolean;
}

/** Shortest run decoded (12 bytes of base64 plaintext, 8 bytes of hex). */
export const MIN_RUN_CHARS = 16;

const DIGIT = 1;
const HEX_LETTER = 2;
const LETTER = 4;
const STD = 8; // + /
const URL = 16; // - _

const CLASS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = DIGIT;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = c <= 0x46 ? HEX_LETTER : LETTER;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = c <= 0x66 ? HEX_LETTER : LETTER;
CLASS[0x2b] = STD;
CLASS[0x2f] = STD;
CLASS[0x2d] = URL;
CLASS[0x5f] = URL;

/** `covered`: sorted, non-overlapping [start, end) spans already decoded another way; runs touching them are skipped. */
export function findEncodedRuns(buf: Uint8Array, covered: ReadonlyArray<readonly [number, number]> = [], minChars = MIN_RUN_CHARS): EncodedRun[] {
  const runs: EncodedRun[] = [];
  const n = buf.length;
  let c = 0;
  let i = 0;
  while (i < n) {
    if (CLASS[buf[i]!] === 0) {
      i++;
      continue;
    }
    const start = i;
    let flags = 0;
    while (i < n) {
      const k = CLASS[buf[i]!]!;
      if (k === 0) break;
      flags |= k;
      i++;
    }
    const bodyEnd = i;
    let end = i;
    while (end < n && end - bodyEnd < 2 && buf[end] === 0x3d) end++;
    i = end;
    if (end - start < minChars) continue;
    // Digits alone are numbers (timestamps, IMEIs); only a long even run may be hex of hex text.
    if (flags === DIGIT && (end - start < 2 * minChars || end !== bodyEnd || (end - start) % 2 !== 0)) continue;
    while (c < covered.length && covered[c]![1] <= start) c++;
    if (c < covered.length && covered[c]![0] < end) continue;
    if ((flags & ~(DIGIT | HEX_LETTER)) === 0) {
      // Hex only when the run is exactly hex (no padding, even length): else it is base64 that
      // happens to use hex letters, which a random base64 run of this length almost never does.
      if (end === bodyEnd && (end - start) % 2 === 0) runs.push({ start, end, kind: 'hex', ...(flags === DIGIT ? { digitsOnly: true } : {}) });
      continue;
    }
    runs.push({ start, end, kind: flags & URL ? 'base64url' : 'base64' });
  }
  return runs;
}

export function decodeRun(buf: Buffer, run: EncodedRun): Buffer {
  const text = buf.toString('latin1', run.start, run.end);
  if (run.kind === 'hex') return Buffer.from(text, 'hex');
  return Buffer.from(text, run.kind === 'base64url' ? 'base64url' : 'base64');
}
