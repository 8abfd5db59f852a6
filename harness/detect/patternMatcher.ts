/**
 * One pass over a byte buffer finds every occurrence of every pattern (thousands of patterns: each
 * canary in each encoded form) while reading only a sample of the text: a sampled q-gram filter.
 *
 * A pattern of length >= s + q - 1 placed anywhere in the text covers a q-gram that starts at a
 * multiple of s. So the scan reads the text only at every s-th byte, and each pattern is indexed by
 * the s consecutive q-grams of one "window" of it (the window whose grams are rarest among all
 * patterns and least like common text, so 'https://' never anchors a URL canary). A compact Bloom
 * filter of gram hashes rejects almost every sample; a hit is verified byte by byte against the few
 * patterns filed under that hash. Each occurrence is met at exactly one sample, so it is reported
 * once, without de-duplication.
 *
 * Patterns of 15 bytes or more are indexed by 8-byte grams sampled every 8 bytes (hex text, which
 * is everywhere in telemetry, then almost never passes the filter by chance); the few shorter ones
 * (IMEIs, MACs, phone numbers, serials) by 4-byte grams sampled every 4 bytes. The samples are the
 * aligned 32-bit words of the buffer, read from an Int32Array: 1.5x faster than unaligned reads
 * through a DataView. Patterns shorter than 7 bytes (rare: custom canaries) need a finer stride:
 * then every sample is s = shortest - 3 bytes apart (at most 8), read through a DataView.
 */

export const MIN_PATTERN_BYTES = 4;

/** Longest stride: past it, indexing s grams per pattern costs more filter misses than it saves. */
const MAX_STRIDE = 8;
/** Shortest pattern the aligned sampling (4-byte grams every 4 bytes, 8-byte grams every 8) can find. */
const ALIGNED_MIN_PATTERN = 4 + 4 - 1;
const ALIGNED_LONG_PATTERN = 8 + 8 - 1;
/** Int32Array reads the platform's byte order; the gram hashes are of little-endian words. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Largest filter: 2^17 words of 32 bits = 512 KB. */
const MAX_FILTER_WORD_BITS = 17;
const MULTIPLIER_HI = 0x9e3779b1;
const MULTIPLIER_LO = 0x85ebca77;
/** Bytes that make a gram common in traffic (URL punctuation, spaces, quotes). */
const COMMON_BYTES = ' /:.?&=%"\'\\,;-_+{}[]<>\r\n\t0';
/** How much a byte makes a gram common: 4 for COMMON_BYTES, 1 for lowercase letters (words, host names). */
const COMMONNESS = new Uint8Array(256);
for (let b = 0x61; b <= 0x7a; b++) COMMONNESS[b] = 1;
for (const c of COMMON_BYTES) COMMONNESS[c.charCodeAt(0)] = 4;
/** Buffer.poolSize is 8 KB; larger ArrayBuffers are a flow's own and are not kept alive. */
const MAX_CACHED_VIEW_BYTES = 64 * 1024;

const NO_MATCHES: PatternMatch[] = Object.freeze([]) as unknown as PatternMatch[];

export interface PatternMatch {
  /** Index of the pattern in the array given to the constructor. */
  pattern: number;
  /** Byte offset of the first byte of the match. */
  start: number;
}

function commonness(bytes: Uint8Array, i: number, q: number): number {
  let score = 0;
  for (let k = i; k < i + q; k++) score += COMMONNESS[bytes[k]!]!;
  return score;
}

/** The bits a hash sets in its filter word (the scan loop spells this out inline). */
function filterBits(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
}

/** Hash of the q-gram at i, from little-endian 32-bit words (what the scan computes from two loads). */
function gramHash(view: DataView, i: number, q: 4 | 8): number {
  const hi = Math.imul(view.getInt32(i, true), MULTIPLIER_HI);
  return q === 4 ? hi : hi ^ Math.imul(view.getInt32(i + 4, true), MULTIPLIER_LO);
}

/** Grams up to this many are counted by sorting (hash, position) packed into one double. */
const PACKED_POSITIONS = 2 ** 21;

/**
 * For each gram of each pattern (in order, all patterns concatenated): how many grams among all the
 * patterns have its hash. Counted by sorting once: a Map of ~10^6 hashes is several times slower.
 */
function gramCounts(hashes: readonly number[][]): Int32Array {
  let total = 0;
  for (const hs of hashes) total += hs.length;
  const flat = new Int32Array(total);
  let at = 0;
  for (const hs of hashes) for (const h of hs) flat[at++] = h;
  let order: ArrayLike<number>;
  if (total < PACKED_POSITIONS) {
    // A hash (32 bits) and a position (21 bits) fit a double exactly; a native sort of doubles.
    const keys = new Float64Array(total);
    for (let i = 0; i < total; i++) keys[i] = (flat[i]! + 2 ** 31) * PACKED_POSITIONS + i;
    keys.sort();
    const positions = new Int32Array(total);
    for (let i = 0; i < total; i++) positions[i] = keys[i]! % PACKED_POSITIONS;
    order = positions;
  } else order = new Uint32Array(total).map((_, i) => i).sort((a, b) => flat[a]! - flat[b]!);
  const counts = new Int32Array(total);
  for (let run = 0; run < total; ) {
    const hash = flat[order[run]!]!;
    let end = run + 1;
    while (end < total && flat[order[end]!] === hash) end++;
    for (let k = run; k < end; k++) counts[order[k]!] = end - run;
    run = end;
  }
  return counts;
}

/** The patterns indexed by one gram size: their filter and buckets. */
class GramIndex {
  /**
   * Blocked Bloom filter of gram hashes: the top bits pick a word, three 5-bit fields three bits
   * in it; one load tests all three, and a text gram passes by chance about 0.2% of the time.
   */
  readonly filter: Int32Array;
  readonly shift: number;
  /** gram hash >> 1 (a small integer: V8's fast Map key) -> [pattern index, offset of the gram in it, ...] */
  readonly #buckets = new Map<number, number[]>();

  constructor(
    readonly gram: 4 | 8,
    stride: number,
    readonly patterns: readonly Uint8Array[],
    members: readonly number[],
  ) {
    // ~64 filter bits per indexed gram, at most 512 KB: a small index stays in L1, a large one in L2.
    const wordBits = Math.max(6, Math.min(MAX_FILTER_WORD_BITS, Math.ceil(Math.log2((members.length * stride * 64) / 32))));
    this.filter = new Int32Array(1 << wordBits);
    this.shift = 32 - wordBits;
    const hashes = members.map((index) => {
      const p = patterns[index]!;
      const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
      return Array.from({ length: p.length - gram + 1 }, (_, i) => gramHash(view, i, gram));
    });
    // A gram shared by many patterns costs a verification each: windows avoid them.
    const shared = gramCounts(hashes);
    let first = 0;
    members.forEach((index, m) => {
      const p = patterns[index]!;
      const hs = hashes[m]!;
      const base = first;
      first += hs.length;
      const costs = hs.map((_, i) => shared[base + i]! * 8 + commonness(p, i, gram));
      // The window of `stride` consecutive gram offsets with the lowest summed cost.
      let window = 0;
      let sum = 0;
      for (let i = 0; i < stride; i++) sum += costs[i]!;
      let best = sum;
      for (let a = 1; a + stride <= costs.length; a++) {
        sum += costs[a + stride - 1]! - costs[a - 1]!;
        if (sum < best) {
          best = sum;
          window = a;
        }
      }
      for (let offset = window; offset < window + stride; offset++) {
        const h = hs[offset]!;
        this.filter[h >>> this.shift]! |= filterBits(h);
        const bucket = this.#buckets.get(h >> 1);
        if (bucket) bucket.push(index, offset);
        else this.#buckets.set(h >> 1, [index, offset]);
      }
    });
  }

  /** The patterns filed under hash `h` that occur in `text` with that gram at offset i. */
  verify(text: Uint8Array, i: number, h: number, out: PatternMatch[]): void {
    const bucket = this.#buckets.get(h >> 1);
    if (bucket === undefined) return;
    for (let k = 0; k < bucket.length; k += 2) {
      const index = bucket[k]!;
      const start = i - bucket[k + 1]!;
      const p = this.patterns[index]!;
      if (start < 0 || start + p.length > text.length) continue;
      let j = 0;
      while (j < p.length && text[start + j] === p[j]) j++;
      if (j === p.length) out.push({ pattern: index, start });
    }
  }
}

/**
 * Views of the last two small ArrayBuffers scanned. Small buffers (decoded runs, field values) mostly
 * share Buffer's pool ArrayBuffer, and scans alternate between it and the decoder's scratch space:
 * one view each instead of one per scan. Larger buffers get their own, not kept after the scan.
 */
class ViewCache<T> {
  #buffer: ArrayBufferLike | undefined;
  #view: T | undefined;
  #previousBuffer: ArrayBufferLike | undefined;
  #previousView: T | undefined;

  constructor(readonly make: (buffer: ArrayBufferLike) => T) {}

  of(buffer: ArrayBufferLike): T {
    if (buffer === this.#buffer) return this.#view!;
    const view = buffer === this.#previousBuffer ? this.#previousView! : this.make(buffer);
    if (buffer.byteLength <= MAX_CACHED_VIEW_BYTES) {
      this.#previousBuffer = this.#buffer;
      this.#previousView = this.#view;
      this.#buffer = buffer;
      this.#view = view;
    }
    return view;
  }
}

export class MultiPatternMatcher {
  readonly patterns: readonly Uint8Array[];
  /** Bytes between samples of the 4-byte and the 8-byte grams. */
  readonly strides: { readonly short: number; readonly long: number };
  /** Samples are the buffer's aligned words (every pattern is 7 bytes or longer). */
  readonly #aligned: boolean;
  readonly #short: GramIndex;
  readonly #long: GramIndex;
  /** Length of the shortest pattern (Infinity when there are none). */
  readonly #shortest: number;
  readonly #views = new ViewCache((buffer) => new DataView(buffer));
  readonly #words = new ViewCache((buffer) => new Int32Array(buffer, 0, buffer.byteLength >>> 2));
  /** Output of the next scan (replaced only once a scan has matches to return). */
  #out: PatternMatch[] = [];

  constructor(patterns: readonly Uint8Array[]) {
    this.patterns = patterns;
    let shortest = Infinity;
    for (const p of patterns) {
      if (p.length < MIN_PATTERN_BYTES) throw new RangeError(`pattern shorter than ${MIN_PATTERN_BYTES} bytes`);
      shortest = Math.min(shortest, p.length);
    }
    this.#shortest = shortest;
    this.#aligned = LITTLE_ENDIAN && shortest >= ALIGNED_MIN_PATTERN;
    const stride = Math.max(1, Math.min(MAX_STRIDE, shortest - 4 + 1));
    this.strides = this.#aligned ? { short: 4, long: 8 } : { short: stride, long: stride };
    const longFrom = this.#aligned ? ALIGNED_LONG_PATTERN : stride + 8 - 1;
    const long: number[] = [];
    const short: number[] = [];
    patterns.forEach((p, index) => (p.length >= longFrom ? long : short).push(index));
    this.#short = new GramIndex(4, this.strides.short, patterns, short);
    this.#long = new GramIndex(8, this.strides.long, patterns, long);
  }

  /** Every occurrence (overlapping ones included) of every pattern in `text`, in text order. */
  scan(text: Uint8Array): PatternMatch[] {
    // Shorter than every pattern (a decoded 8-byte id, say): nothing to find, nothing to set up.
    if (text.length < this.#shortest) return NO_MATCHES;
    const out = this.#out;
    if (this.#aligned) this.#scanWords(text, out);
    else this.#scanBytes(text, out);
    if (out.length === 0) return NO_MATCHES;
    this.#out = [];
    // Text order, and at one offset the order a plain left-to-right search would give (pattern index).
    if (out.length > 1) out.sort((a, b) => a.start - b.start || a.pattern - b.pattern);
    return out;
  }

  /** Samples at the aligned words of the buffer in [byteOffset, byteOffset + length). */
  #scanWords(text: Uint8Array, out: PatternMatch[]): void {
    const words = this.#words.of(text.buffer);
    const base = text.byteOffset;
    const end = base + text.length;
    const short = this.#short;
    const long = this.#long;
    const shortFilter = short.filter;
    const shortShift = short.shift;
    const longFilter = long.filter;
    const longShift = long.shift;
    // Word k holds bytes [4k, 4k + 4); the words wholly inside the text are [first, last).
    const first = Math.ceil(base / 4);
    const last = Math.floor(end / 4);
    let w = first;
    // A word before the first 8-aligned one: only a 4-byte gram.
    if (w % 2 === 1 && w < last) {
      const h = Math.imul(words[w]!, MULTIPLIER_HI);
      const bits = filterBits(h);
      if ((shortFilter[h >>> shortShift]! & bits) === bits) short.verify(text, 4 * w - base, h, out);
      w++;
    }
    for (; w + 1 < last; w += 2) {
      const hi = Math.imul(words[w]!, MULTIPLIER_HI);
      let bits = (1 << (hi & 31)) | (1 << ((hi >>> 5) & 31)) | (1 << ((hi >>> 10) & 31));
      if ((shortFilter[hi >>> shortShift]! & bits) === bits) short.verify(text, 4 * w - base, hi, out);
      const next = words[w + 1]!;
      const hn = Math.imul(next, MULTIPLIER_HI);
      bits = (1 << (hn & 31)) | (1 << ((hn >>> 5) & 31)) | (1 << ((hn >>> 10) & 31));
      if ((shortFilter[hn >>> shortShift]! & bits) === bits) short.verify(text, 4 * w + 4 - base, hn, out);
      const h = hi ^ Math.imul(next, MULTIPLIER_LO);
      bits = (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
      if ((longFilter[h >>> longShift]! & bits) === bits) long.verify(text, 4 * w - base, h, out);
    }
    // The last word holds no 8-byte gram: only short patterns can end there.
    if (w < last) {
      const h = Math.imul(words[w]!, MULTIPLIER_HI);
      const bits = filterBits(h);
      if ((shortFilter[h >>> shortShift]! & bits) === bits) short.verify(text, 4 * w - base, h, out);
    }
  }

  /** Samples every `stride` bytes from the first (patterns shorter than 7 bytes, or a big-endian platform). */
  #scanBytes(text: Uint8Array, out: PatternMatch[]): void {
    const view = this.#views.of(text.buffer);
    const base = text.byteOffset;
    const end = base + text.length;
    const stride = this.strides.short;
    const short = this.#short;
    const long = this.#long;
    const shortFilter = short.filter;
    const shortShift = short.shift;
    const longFilter = long.filter;
    const longShift = long.shift;
    let i = base;
    for (; i + 8 <= end; i += stride) {
      const hi = Math.imul(view.getInt32(i, true), MULTIPLIER_HI);
      let bits = (1 << (hi & 31)) | (1 << ((hi >>> 5) & 31)) | (1 << ((hi >>> 10) & 31));
      if ((shortFilter[hi >>> shortShift]! & bits) === bits) short.verify(text, i - base, hi, out);
      const h = hi ^ Math.imul(view.getInt32(i + 4, true), MULTIPLIER_LO);
      bits = (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
      if ((longFilter[h >>> longShift]! & bits) === bits) long.verify(text, i - base, h, out);
    }
    // The last samples hold no 8-byte gram: only short patterns can end there.
    for (; i + 4 <= end; i += stride) {
      const hi = Math.imul(view.getInt32(i, true), MULTIPLIER_HI);
      const bits = filterBits(hi);
      if ((shortFilter[hi >>> shortShift]! & bits) === bits) short.verify(text, i - base, hi, out);
    }
  }
}
