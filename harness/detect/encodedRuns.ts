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
      if (end === bodyEnd && (end - start) % 2 === 0) runs.push(flags === DIGIT ? { start, end, kind: 'hex', digitsOnly: true } : { start, end, kind: 'hex' });
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

/** Value of a base64 character, either alphabet (Node's decoders accept both); 255 for '='. */
const BASE64_VALUE = new Uint8Array(256).fill(255);
for (let c = 0; c < 64; c++) BASE64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(c)] = c;
BASE64_VALUE[0x2d] = 62;
BASE64_VALUE[0x5f] = 63;

/** End of a run's characters before its '=' padding. */
function bodyEnd(buf: Uint8Array, run: EncodedRun): number {
  let end = run.end;
  while (end > run.start && buf[end - 1] === 0x3d) end--;
  return end;
}

/** Bytes a run decodes to (a trailing lone base64 character decodes to nothing, as in Node). */
export function decodedRunLength(buf: Uint8Array, run: EncodedRun): number {
  if (run.kind === 'hex') return (run.end - run.start) >> 1;
  const chars = bodyEnd(buf, run) - run.start;
  const rest = chars & 3;
  return (chars >> 2) * 3 + (rest === 0 ? 0 : rest - 1);
}

/**
 * Decodes a run into `out` (at least decodedRunLength bytes) and returns how many bytes it wrote:
 * the same bytes as Buffer.from(text, encoding), without the string and the new buffer, for the
 * many short runs (ids, hashes) whose decoded bytes are looked at once and dropped.
 */
export function decodeRunInto(buf: Uint8Array, run: EncodedRun, out: Uint8Array): number {
  let o = 0;
  if (run.kind === 'hex') {
    for (let i = run.start; i < run.end; i += 2) out[o++] = (HEX_VALUE[buf[i]!]! << 4) | HEX_VALUE[buf[i + 1]!]!;
    return o;
  }
  const end = bodyEnd(buf, run);
  let i = run.start;
  for (; i + 4 <= end; i += 4) {
    const v = (BASE64_VALUE[buf[i]!]! << 18) | (BASE64_VALUE[buf[i + 1]!]! << 12) | (BASE64_VALUE[buf[i + 2]!]! << 6) | BASE64_VALUE[buf[i + 3]!]!;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  const rest = end - i;
  if (rest >= 2) {
    const v = (BASE64_VALUE[buf[i]!]! << 18) | (BASE64_VALUE[buf[i + 1]!]! << 12) | (rest === 3 ? BASE64_VALUE[buf[i + 2]!]! << 6 : 0);
    out[o++] = v >>> 16;
    if (rest === 3) out[o++] = (v >>> 8) & 0xff;
  }
  return o;
}

export function decodeRun(buf: Buffer, run: EncodedRun): Buffer {
  if (run.kind === 'hex' && run.end - run.start <= SHORT_HEX) {
    // A hex run is all hex digits and of even length (see findEncodedRuns).
    const out = Buffer.allocUnsafe((run.end - run.start) >> 1);
    decodeRunInto(buf, run, out);
    return out;
  }
  const text = buf.toString('latin1', run.start, run.end);
  if (run.kind === 'hex') return Buffer.from(text, 'hex');
  return Buffer.from(text, run.kind === 'base64url' ? 'base64url' : 'base64');
}
