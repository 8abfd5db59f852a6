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

/**
 * `covered`: [start, end) spans already decoded another way, sorted by start; runs touching them are
 * skipped. Only the bytes between covered spans are read (a multipart body's file part, a JSON
 * body's decoded strings are not walked again).
 */
export function findEncodedRuns(buf: Uint8Array, covered: ReadonlyArray<readonly [number, number]> = [], minChars = MIN_RUN_CHARS): EncodedRun[] {
  const runs: EncodedRun[] = [];
  let from = 0;
  for (const [start, end] of covered) {
    if (start > from) runsBetween(buf, from, start, minChars, runs);
    from = Math.max(from, end);
  }
  if (from < buf.length) runsBetween(buf, from, buf.length, minChars, runs);
  return runs;
}

/**
 * Runs wholly inside buf[from, to), a gap between covered spans. A run is a maximal stretch of
 * run characters, so one that starts before `from` or goes on past `to` touches a covered span.
 * A run long enough to keep has a body of at least minChars - 2 bytes (2 for padding), so it holds
 * one of the bytes read every minChars - 2: only stretches through those bytes are looked at, and
 * the short words of text between them are mostly never read.
 */
function runsBetween(buf: Uint8Array, from: number, to: number, minChars: number, runs: EncodedRun[]): void {
  let i = from;
  // Inside a run that began in the covered span before: skip to its end.
  if (from > 0 && CLASS[buf[from - 1]!] !== 0) while (i < to && CLASS[buf[i]!] !== 0) i++;
  const n = buf.length;
  const step = Math.max(1, minChars - 2);
  // Everything before `done` is classified: a stretch found later starts at or after it.
  let done = i;
  for (let p = i + step - 1; p < to; p += step) {
    if (CLASS[buf[p]!] === 0) continue;
    let flags = 0;
    let start = p;
    while (start > done && CLASS[buf[start - 1]!] !== 0) flags |= CLASS[buf[--start]!]!;
    let bodyEnd = p;
    while (bodyEnd < n) {
      const k = CLASS[buf[bodyEnd]!]!;
      if (k === 0) break;
      flags |= k;
      bodyEnd++;
    }
    let end = bodyEnd;
    while (end < n && end - bodyEnd < 2 && buf[end] === 0x3d) end++;
    done = end;
    p = end - 1; // the next sample is step bytes on from here
    if (end - start < minChars || end > to) continue;
    // Digits alone are numbers (timestamps, IMEIs); only a long even run may be hex of hex text.
    if (flags === DIGIT && (end - start < 2 * minChars || end !== bodyEnd || (end - start) % 2 !== 0)) continue;
    if ((flags & ~(DIGIT | HEX_LETTER)) === 0) {
      // Hex only when the run is exactly hex (no padding, even length): else it is base64 that
      // happens to use hex letters, which a random base64 run of this length almost never does.
      if (end === bodyEnd && (end - start) % 2 === 0) runs.push({ start, end, kind: 'hex', ...(flags === DIGIT ? { digitsOnly: true } : {}) });
      continue;
    }
    runs.push({ start, end, kind: flags & URL ? 'base64url' : 'base64' });
  }
}

/** Hex runs up to this long are decoded here: cheaper than a string and two calls into C++. */
const SHORT_HEX = 256;

const HEX_VALUE = new Uint8Array(256);
for (let c = 0; c < 16; c++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(c)] = c;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(c)] = c;
}

export function decodeRun(buf: Buffer, run: EncodedRun): Buffer {
  if (run.kind === 'hex' && run.end - run.start <= SHORT_HEX) {
    // A hex run is all hex digits and of even length (see findEncodedRuns).
    const out = Buffer.allocUnsafe((run.end - run.start) >> 1);
    for (let i = run.start, o = 0; i < run.end; i += 2, o++) out[o] = (HEX_VALUE[buf[i]!]! << 4) | HEX_VALUE[buf[i + 1]!]!;
    return out;
  }
  const text = buf.toString('latin1', run.start, run.end);
  if (run.kind === 'hex') return Buffer.from(text, 'hex');
  return Buffer.from(text, run.kind === 'base64url' ? 'base64url' : 'base64');
}
