/**
 * One pass over a byte buffer finds every occurrence of every pattern (thousands of patterns: each
 * canary in each encoded form) while reading only a sample of the text: a sampled q-gram filter.
 *
 * A pattern of length >= s + q - 1 placed anywhere in the text covers a q-gram that starts at a
 * multiple of s. So the scan reads the text only at every s-th byte, and each pattern is indexed by
 * the s consecutive q-grams of one "window" of it (the window whose grams are rarest among all
 * patterns and least like common text, so 'https://' never anchors a URL canary). A compact Bloom
 * filter of gram hashes rejects almost every sample; a hit is verified byte by byte against the few
 * patterns filed under that hash (an open-addressing table in flat typed arrays: built once, it can
 * be shared with worker threads through SharedArrayBuffers). Each occurrence is met at exactly one sample, so it is reported
 * once, without de-duplication.
 *
 * Patterns of 11 bytes or more are indexed by 8-byte grams sampled every 4 bytes (hex text, which
 * is everywhere in telemetry, then almost never passes the filter by chance): four grams a pattern.
 * Sampling them every 8 bytes needed eight, and at 10,000 canaries (214,427 patterns) 1.7 million
 * indexed grams need a filter of 2 MB, past the L2 cache, so every sample waited on memory; four
 * grams a pattern halve the filter for one more load per 8 bytes that stays in cache. The few
 * shorter ones (7 to 10 bytes: serials, custom values) by 4-byte grams sampled every 4 bytes, and
 * those loads are skipped when there are none. Gram hashes fold ASCII case (each byte | 0x20), so a
 * digest's or an id's hex and HEX forms share their grams' filter bits and slots; verification
 * compares the exact bytes. The samples are the
 * aligned 32-bit words of the buffer, read from an Int32Array: 1.5x faster than unaligned reads
 * through a DataView. Patterns shorter than 7 bytes (rare: custom canaries) need a finer stride:
 * then every sample is s = shortest - 3 bytes apart (at most 8), read through a DataView.
 */

export const MIN_PATTERN_BYTES = 4;

/** Longest stride: past it, indexing s grams per pattern costs more filter misses than it saves. */
const MAX_STRIDE = 8;
/** Shortest pattern the aligned sampling (4-byte grams every 4 bytes, 8-byte grams every 8) can find. */
const ALIGNED_MIN_PATTERN = 4 + 4 - 1;
const ALIGNED_LONG_PATTERN = 8 + 4 - 1;
/** OR-ed into every word before hashing: folds ASCII case (and, harmlessly for a filter, other byte pairs). */
const FOLD = 0x20202020;
/** Int32Array reads the platform's byte order; the gram hashes are of little-endian words. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/**
 * Largest filter: 2^19 words of 32 bits = 2 MB. Its loads are the scan's cost: past the L2 cache
 * (1 MB here) each sample waits on memory, so a bigger, sparser filter loses more in misses than
 * it saves in chance passes (measured: 16 MB at 64 bits a gram ran 2x slower at 10,000 canaries).
 */
const MAX_FILTER_WORD_BITS = 17;
/** Filter bits per indexed gram, below the cap: ~1% chance passes with three bits a gram. */
const FILTER_BITS_PER_GRAM = 32;
/** Counters of the gram sketch that picks windows: 2^21 x 16 bits = 4 MB at most (it stays in cache). */
const SKETCH_BITS = 21;
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

/**
 * The filter's bits for a gram hash h. Its top bits pick a block of two adjacent 32-bit words (one
 * 64-bit block: one cache line, so one memory access however many bits are tested); `mix(h)` sets
 * three bits in the first word and three in the second. The second word is read only when the first
 * passes (a few percent of samples), so a sample costs one load and one test as before, and six bits
 * a gram instead of three cut the chance passes ~3x at the same size (each is a verification that
 * reaches into the big tables: at 10,000 canaries those, not the filter, were most of the scan).
 * The bits come from a multiply-xorshift of h (h's own low bits depend only on a gram's first bytes).
 */
const FILTER_MIX = 0x45d9f3b;

function mix(h: number): number {
  return Math.imul(h ^ (h >>> 16), FILTER_MIX);
}

function firstBits(g: number): number {
  return (1 << (g >>> 27)) | (1 << ((g >>> 22) & 31)) | (1 << ((g >>> 17) & 31));
}

function secondBits(g: number): number {
  return (1 << ((g >>> 12) & 31)) | (1 << ((g >>> 7) & 31)) | (1 << ((g >>> 2) & 31));
}

/** Odd multiplier spreading a gram hash over a table's slots (its top bits pick the slot). */
const SLOT_MULTIPLIER = 0x27d4eb2d;

/** Smallest power of two >= 2n (a table at most half full), at least 16. */
function tableBits(n: number): number {
  return Math.max(4, Math.ceil(Math.log2(Math.max(1, n) * 2)));
}

/** Little-endian 32-bit word of `p` at byte i (what an aligned Int32Array read gives on this platform), case folded. */
function wordAt(p: Uint8Array, i: number): number {
  return (p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24)) | FOLD;
}

/** The hash the scan computes for the gram at byte i of p (an 8-byte gram mixes two words). */
function gramHash(gram: 4 | 8, p: Uint8Array, i: number): number {
  const lo = Math.imul(wordAt(p, i), MULTIPLIER_HI);
  return gram === 4 ? lo : lo ^ Math.imul(wordAt(p, i + 4), MULTIPLIER_LO);
}

/**
 * A GramIndex's built tables: flat typed arrays, so worker threads can share one build (SharedArrayBuffer).
 *
 * Sizes at 10,000 canaries (214,427 patterns, 1.7 million indexed grams): filter 2 MB, slots 32 MB,
 * lists under 1 MB. The previous layout (keys, counts, list starts: three arrays of one int a slot,
 * plus one list entry of two ints for every gram) took 64 MB and up to seven cache misses a
 * verification: one for each array, then the pattern object, its buffer, its bytes.
 */
export interface GramTables {
  /** Blocked Bloom filter: one 64-bit block (two Int32 words) per hash; see firstBits/secondBits. */
  filter: Int32Array;
  /**
   * Open addressing (linear probing), two ints a slot: a gram hash, then its value. Value 0: empty
   * slot; > 0: the one gram filed under that hash (its code + 1); < 0: -(start + 1) of a list in
   * `lists`. A verification that ends at an unknown hash (most chance passes) costs one cache line.
   */
  slots: Int32Array;
  /** Lists of the hashes two or more grams share: their length, then their codes. */
  lists: Int32Array;
}

/** Typed arrays on a SharedArrayBuffer when `shared` (one build read by every worker), else ordinary ones. */
function allocate(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(Math.max(4, length * 4))) : new Int32Array(length);
}

/** Ints of `meta` per pattern: where its bytes start in the flat copy, its length, where its window starts. */
const META = 4;
/** A gram's code: its pattern's index times 8, plus its place in the pattern's window (< stride <= 8). */
const CODE_SHIFT = 3;

/** The patterns indexed by one gram size: their filter and buckets. */
class GramIndex {
  readonly filter: Int32Array;
  /** Shift taking a hash to its filter block (its top bits). */
  readonly shift: number;
  readonly tables: GramTables;
  readonly #slots: Int32Array;
  readonly #slotShift: number;
  readonly #slotMask: number;
  readonly #lists: Int32Array;
  readonly #meta: Int32Array;
  readonly #bytes: Uint8Array;

  constructor(tables: GramTables, meta: Int32Array, bytes: Uint8Array) {
    this.tables = tables;
    this.filter = tables.filter;
    this.shift = 32 - Math.log2(tables.filter.length / 2);
    this.#slots = tables.slots;
    const slotCount = tables.slots.length / 2;
    this.#slotShift = 32 - Math.log2(slotCount);
    this.#slotMask = slotCount - 1;
    this.#lists = tables.lists;
    this.#meta = meta;
    this.#bytes = bytes;
  }

  /**
   * Builds the tables for `members` (indexes into patterns), and writes each member's window start
   * into `meta`. Linear in the patterns' bytes, with no array the size of all their grams: at 10,000
   * canaries those temporaries (two ints a gram, 8.6 million grams) were most of the build's memory.
   */
  static build(gram: 4 | 8, stride: number, patterns: readonly Uint8Array[], members: readonly number[], meta: Int32Array, shared: boolean): GramTables {
    let total = 0;
    for (const index of members) total += Math.max(0, patterns[index]!.length - gram + 1);
    // A gram shared by many patterns costs a verification each: windows avoid them. Counted
    // approximately (a count-min sketch of one row: collisions only add), in one pass linear in the
    // grams and in a table small enough to stay in cache: an exact table of 10^7 hashes is not.
    const sketchBits = Math.max(10, Math.min(SKETCH_BITS, Math.ceil(Math.log2(total * 4 + 1))));
    const sketch = new Uint16Array(1 << sketchBits);
    const sketchShift = 32 - sketchBits;
    for (const index of members) {
      const p = patterns[index]!;
      for (let i = 0; i + gram <= p.length; i++) {
        const at = Math.imul(gramHash(gram, p, i), SLOT_MULTIPLIER) >>> sketchShift;
        if (sketch[at]! < 0xffff) sketch[at]!++;
      }
    }
    // The window of `stride` consecutive gram offsets with the lowest summed cost, per member: each
    // gram's cost once, kept in a ring of `stride` while the window slides.
    const ring = new Int32Array(MAX_STRIDE);
    for (const index of members) {
      const p = patterns[index]!;
      const n = p.length - gram + 1;
      let common = commonness(p, 0, gram);
      let sum = 0;
      let best = Infinity;
      let window = 0;
      for (let i = 0; i < n; i++) {
        if (i > 0) common += COMMONNESS[p[i + gram - 1]!]! - COMMONNESS[p[i - 1]!]!;
        const cost = sketch[Math.imul(gramHash(gram, p, i), SLOT_MULTIPLIER) >>> sketchShift]! * 8 + common;
        sum += cost - (i >= stride ? ring[i % stride]! : 0);
        ring[i % stride] = cost;
        if (i >= stride - 1 && sum < best) {
          best = sum;
          window = i - stride + 1;
        }
      }
      meta[index * META + 2] = window;
    }
    // FILTER_BITS_PER_GRAM per indexed gram up to the cap; past it the chance pass rate grows.
    const indexed = members.length * stride;
    const blockBits = Math.max(5, Math.min(MAX_FILTER_WORD_BITS - 1, Math.ceil(Math.log2((indexed * FILTER_BITS_PER_GRAM) / 64))));
    const filter = allocate(2 << blockBits, shared);
    const filterShift = 32 - blockBits;
    const slotBits = tableBits(indexed);
    const slots = allocate(2 << slotBits, shared);
    const slotShift = 32 - slotBits;
    const slotMask = (1 << slotBits) - 1;
    // Count the grams under each hash (the value is a count until the lists are laid out), keeping
    // each indexed gram's slot: the fill below then needs no second lookup.
    const slotOf = new Int32Array(indexed);
    let e = 0;
    for (const index of members) {
      const p = patterns[index]!;
      const window = meta[index * META + 2]!;
      for (let k = 0; k < stride; k++) {
        const h = gramHash(gram, p, window + k);
        const at = (h >>> filterShift) << 1;
        const g = mix(h);
        filter[at]! |= firstBits(g);
        filter[at + 1]! |= secondBits(g);
        let slot = Math.imul(h, SLOT_MULTIPLIER) >>> slotShift;
        while (slots[2 * slot + 1] !== 0 && slots[2 * slot] !== h) slot = (slot + 1) & slotMask;
        slots[2 * slot] = h;
        slots[2 * slot + 1]!++;
        slotOf[e++] = slot;
      }
    }
    let listInts = 0;
    for (let s = 1; s < slots.length; s += 2) if (slots[s]! > 1) listInts += 1 + slots[s]!;
    const lists = allocate(listInts, shared);
    let next = 0;
    for (let s = 1; s < slots.length; s += 2) {
      const count = slots[s]!;
      if (count > 1) {
        slots[s] = -(next + 1);
        lists[next] = 0; // grows back to `count` as the list fills
        next += 1 + count;
      }
    }
    e = 0;
    for (const index of members) {
      for (let k = 0; k < stride; k++) {
        const s = 2 * slotOf[e++]! + 1;
        const code = (index << CODE_SHIFT) | k;
        const value = slots[s]!;
        if (value > 0) slots[s] = code + 1;
        else {
          const start = -value - 1;
          lists[start + 1 + lists[start]!++] = code;
        }
      }
    }
    return { filter, slots, lists };
  }

  /** Whether h passes the filter's second word too (the caller tested the first, at `at`). */
  passesSecond(at: number, g: number): boolean {
    const bits = secondBits(g);
    return (this.filter[at + 1]! & bits) === bits;
  }

  /** The patterns filed under hash `h` that occur in `text` with that gram at offset i. */
  verify(text: Uint8Array, i: number, h: number, out: PatternMatch[]): void {
    const slots = this.#slots;
    let slot = Math.imul(h, SLOT_MULTIPLIER) >>> this.#slotShift;
    let value: number;
    for (;;) {
      value = slots[2 * slot + 1]!;
      if (value === 0) return;
      if (slots[2 * slot] === h) break;
      slot = (slot + 1) & this.#slotMask;
    }
    if (value > 0) {
      this.#check(text, i, value - 1, out);
      return;
    }
    const lists = this.#lists;
    const start = -value - 1;
    const end = start + 1 + lists[start]!;
    for (let k = start + 1; k < end; k++) this.#check(text, i, lists[k]!, out);
  }

  /** Whether the pattern of gram `code` occurs in `text` with that gram at offset i; reported if so. */
  #check(text: Uint8Array, i: number, code: number, out: PatternMatch[]): void {
    const pattern = code >>> CODE_SHIFT;
    const m = pattern * META;
    const meta = this.#meta;
    const start = i - meta[m + 2]! - (code & 7);
    const length = meta[m + 1]!;
    if (start < 0 || start + length > text.length) return;
    const bytes = this.#bytes;
    const from = meta[m]!;
    let j = 0;
    while (j < length && text[start + j] === bytes[from + j]) j++;
    if (j === length) out.push({ pattern, start });
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

/** A matcher's built tables, for another thread's matcher over the same patterns (MultiPatternMatcher options). */
export interface MatcherTables {
  short: GramTables;
  long: GramTables;
  /** Per pattern, META ints: start of its bytes in `bytes`, its length, the offset of its window's first gram. */
  meta: Int32Array;
  /** Every pattern's bytes, one after the other: a verification reads one flat array, no per-pattern object. */
  bytes: Uint8Array;
}

export interface MatcherOptions {
  /** Build the tables on SharedArrayBuffers, so worker threads can use them without a copy. */
  shared?: boolean;
  /** Tables built by a matcher over the same patterns, in the same order (none are built here). */
  tables?: MatcherTables;
}

export class MultiPatternMatcher {
  /** Number of patterns. */
  readonly count: number;
  /** Bytes between samples of the 4-byte and the 8-byte grams. */
  readonly strides: { readonly short: number; readonly long: number };
  readonly tables: MatcherTables;
  /** Samples are the buffer's aligned words (every pattern is 7 bytes or longer). */
  readonly #aligned: boolean;
  readonly #short: GramIndex;
  /** Some patterns are indexed by 4-byte grams (else the aligned scan skips their loads). */
  readonly #hasShort: boolean;
  readonly #long: GramIndex;
  /** Length of the shortest pattern (Infinity when there are none). */
  readonly #shortest: number;
  readonly #views = new ViewCache((buffer) => new DataView(buffer));
  readonly #words = new ViewCache((buffer) => new Int32Array(buffer, 0, buffer.byteLength >>> 2));
  /** Output of the next scan (replaced only once a scan has matches to return). */
  #out: PatternMatch[] = [];

  constructor(patterns: readonly Uint8Array[], options: MatcherOptions = {}) {
    // The patterns themselves are not kept: their bytes are in tables.bytes (a Buffer an object
    // each was 21 MB of heap at 10,000 canaries); `patterns` gives views of that copy.
    this.count = patterns.length;
    let shortest = Infinity;
    let totalBytes = 0;
    for (const p of patterns) {
      if (p.length < MIN_PATTERN_BYTES) throw new RangeError(`pattern shorter than ${MIN_PATTERN_BYTES} bytes`);
      shortest = Math.min(shortest, p.length);
      totalBytes += p.length;
    }
    this.#shortest = shortest;
    this.#aligned = LITTLE_ENDIAN && shortest >= ALIGNED_MIN_PATTERN;
    const stride = Math.max(1, Math.min(MAX_STRIDE, shortest - 4 + 1));
    this.strides = this.#aligned ? { short: 4, long: 4 } : { short: stride, long: stride };
    let tables = options.tables;
    if (!tables) {
      const shared = options.shared === true;
      const meta = allocate(patterns.length * META, shared);
      const bytes = shared ? new Uint8Array(new SharedArrayBuffer(Math.max(4, totalBytes))) : new Uint8Array(totalBytes);
      let at = 0;
      patterns.forEach((p, index) => {
        meta[index * META] = at;
        meta[index * META + 1] = p.length;
        bytes.set(p, at);
        at += p.length;
      });
      const longFrom = this.#aligned ? ALIGNED_LONG_PATTERN : stride + 8 - 1;
      const long: number[] = [];
      const short: number[] = [];
      patterns.forEach((p, index) => (p.length >= longFrom ? long : short).push(index));
      tables = {
        short: GramIndex.build(4, this.strides.short, patterns, short, meta, shared),
        long: GramIndex.build(8, this.strides.long, patterns, long, meta, shared),
        meta,
        bytes,
      };
    }
    this.tables = tables;
    this.#short = new GramIndex(tables.short, tables.meta, tables.bytes);
    this.#hasShort = patterns.some((p) => p.length < ALIGNED_LONG_PATTERN);
    this.#long = new GramIndex(tables.long, tables.meta, tables.bytes);
  }

  /** The patterns, as views of the flat copy the tables verify against (made when first asked for). */
  get patterns(): readonly Uint8Array[] {
    const { meta, bytes } = this.tables;
    return Array.from({ length: this.count }, (_, i) => bytes.subarray(meta[i * META]!, meta[i * META]! + meta[i * META + 1]!));
  }

  /** Length of pattern i. */
  lengthOf(i: number): number {
    return this.tables.meta[i * META + 1]!;
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

  /**
   * Samples at the aligned words of the buffer in [byteOffset, byteOffset + length). The filter's
   * first-word test is spelled out inline (it runs for every sample); the rest only on a pass.
   */
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
    if (first >= last) return;
    // Both loops probe an 8-byte gram at every word but the last (it and the next word); the first
    // also a 4-byte gram; the second, when no pattern is that short, only the 8-byte one.
    let w = first;
    let hi = Math.imul(words[w]! | FOLD, MULTIPLIER_HI);
    if (this.#hasShort) {
      for (; w + 1 < last; w++) {
        let g = Math.imul(hi ^ (hi >>> 16), FILTER_MIX);
        let at = (hi >>> shortShift) << 1;
        let bits = (1 << (g >>> 27)) | (1 << ((g >>> 22) & 31)) | (1 << ((g >>> 17) & 31));
        if ((shortFilter[at]! & bits) === bits && short.passesSecond(at, g)) short.verify(text, 4 * w - base, hi, out);
        const next = words[w + 1]! | FOLD;
        const h = hi ^ Math.imul(next, MULTIPLIER_LO);
        g = Math.imul(h ^ (h >>> 16), FILTER_MIX);
        at = (h >>> longShift) << 1;
        bits = (1 << (g >>> 27)) | (1 << ((g >>> 22) & 31)) | (1 << ((g >>> 17) & 31));
        if ((longFilter[at]! & bits) === bits && long.passesSecond(at, g)) long.verify(text, 4 * w - base, h, out);
        hi = Math.imul(next, MULTIPLIER_HI);
      }
      // The last word holds no 8-byte gram: only short patterns can end there.
      this.#sample(short, text, hi, 4 * w - base, out);
      return;
    }
    for (; w + 1 < last; w++) {
      const next = words[w + 1]! | FOLD;
      const h = hi ^ Math.imul(next, MULTIPLIER_LO);
      const g = Math.imul(h ^ (h >>> 16), FILTER_MIX);
      const at = (h >>> longShift) << 1;
      const bits = (1 << (g >>> 27)) | (1 << ((g >>> 22) & 31)) | (1 << ((g >>> 17) & 31));
      if ((longFilter[at]! & bits) === bits && long.passesSecond(at, g)) long.verify(text, 4 * w - base, h, out);
      hi = Math.imul(next, MULTIPLIER_HI);
    }
  }

  /** One sample of `index`: gram hash h at text offset i. */
  #sample(index: GramIndex, text: Uint8Array, h: number, i: number, out: PatternMatch[]): void {
    const at = (h >>> index.shift) << 1;
    const g = mix(h);
    const bits = firstBits(g);
    if ((index.filter[at]! & bits) === bits && index.passesSecond(at, g)) index.verify(text, i, h, out);
  }

  /** Samples every `stride` bytes from the first (patterns shorter than 7 bytes, or a big-endian platform). */
  #scanBytes(text: Uint8Array, out: PatternMatch[]): void {
    const view = this.#views.of(text.buffer);
    const base = text.byteOffset;
    const end = base + text.length;
    const stride = this.strides.short;
    const short = this.#short;
    const long = this.#long;
    let i = base;
    for (; i + 8 <= end; i += stride) {
      const hi = Math.imul(view.getInt32(i, true) | FOLD, MULTIPLIER_HI);
      this.#sample(short, text, hi, i - base, out);
      this.#sample(long, text, hi ^ Math.imul(view.getInt32(i + 4, true) | FOLD, MULTIPLIER_LO), i - base, out);
    }
    // The last samples hold no 8-byte gram: only short patterns can end there.
    for (; i + 4 <= end; i += stride) this.#sample(short, text, Math.imul(view.getInt32(i, true) | FOLD, MULTIPLIER_HI), i - base, out);
  }
}
