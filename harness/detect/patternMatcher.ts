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
/**
 * Largest filter: 2^19 words of 32 bits = 2 MB. Its loads are the scan's cost: past the L2 cache
 * (1 MB here) each sample waits on memory, so a bigger, sparser filter loses more in misses than
 * it saves in chance passes (measured: 16 MB at 64 bits a gram ran 2x slower at 10,000 canaries).
 */
const MAX_FILTER_WORD_BITS = 19;
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

/** The bits a hash sets in its filter word (the scan loop spells this out inline). */
function filterBits(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
}

/** Odd multiplier spreading a gram hash over a table's slots (its top bits pick the slot). */
const SLOT_MULTIPLIER = 0x27d4eb2d;

/** Smallest power of two >= 2n (a table at most half full), at least 16. */
function tableBits(n: number): number {
  return Math.max(4, Math.ceil(Math.log2(Math.max(1, n) * 2)));
}

/**
 * Open-addressing table of 32-bit gram hashes (linear probing): slot of a hash, made on insert.
 * Typed arrays only, so a built table is a few flat buffers (shareable between threads).
 */
class HashSlots {
  readonly keys: Int32Array;
  /** 0: empty; else what the user stores (a count). */
  readonly counts: Int32Array;
  readonly shift: number;
  readonly mask: number;

  constructor(n: number, keys?: Int32Array, counts?: Int32Array) {
    const bits = tableBits(n);
    this.keys = keys ?? new Int32Array(1 << bits);
    this.counts = counts ?? new Int32Array(1 << bits);
    this.shift = 32 - Math.log2(this.keys.length);
    this.mask = this.keys.length - 1;
  }

  /** Slot holding h, or -1. */
  find(h: number): number {
    let slot = Math.imul(h, SLOT_MULTIPLIER) >>> this.shift;
    for (;;) {
      if (this.counts[slot] === 0) return -1;
      if (this.keys[slot] === h) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds one to h's count (inserting it); returns its slot. */
  add(h: number): number {
    let slot = Math.imul(h, SLOT_MULTIPLIER) >>> this.shift;
    for (;;) {
      if (this.counts[slot] === 0) {
        this.keys[slot] = h;
        this.counts[slot] = 1;
        return slot;
      }
      if (this.keys[slot] === h) {
        this.counts[slot]!++;
        return slot;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A GramIndex's built tables: flat typed arrays, so worker threads can share one build (SharedArrayBuffer). */
export interface GramTables {
  filter: Int32Array;
  keys: Int32Array;
  counts: Int32Array;
  /** Per slot: where its entries start in `entries` (pairs of pattern index, offset of the gram in it). */
  starts: Int32Array;
  entries: Int32Array;
}

/** Typed arrays on a SharedArrayBuffer when `shared` (one build read by every worker), else ordinary ones. */
function allocate(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(Math.max(4, length * 4))) : new Int32Array(length);
}

/** The patterns indexed by one gram size: their filter and buckets. */
class GramIndex {
  /**
   * Blocked Bloom filter of gram hashes: the top bits pick a word, three 5-bit fields three bits
   * in it; one load tests all three, and a text gram passes by chance about 1% of the time.
   */
  readonly filter: Int32Array;
  readonly shift: number;
  readonly tables: GramTables;
  readonly #slots: HashSlots;
  readonly #starts: Int32Array;
  readonly #entries: Int32Array;

  constructor(
    readonly gram: 4 | 8,
    stride: number,
    readonly patterns: readonly Uint8Array[],
    members: readonly number[],
    options: { shared?: boolean; tables?: GramTables } = {},
  ) {
    const tables = options.tables ?? GramIndex.build(gram, stride, patterns, members, options.shared === true);
    this.tables = tables;
    this.filter = tables.filter;
    this.shift = 32 - Math.log2(tables.filter.length);
    this.#slots = new HashSlots(0, tables.keys, tables.counts);
    this.#starts = tables.starts;
    this.#entries = tables.entries;
  }

  static build(gram: 4 | 8, stride: number, patterns: readonly Uint8Array[], members: readonly number[], shared: boolean): GramTables {
    // Every gram hash of every member, flat: one Int32Array, not an array per pattern.
    let total = 0;
    for (const index of members) total += Math.max(0, patterns[index]!.length - gram + 1);
    const hashes = new Int32Array(total);
    /** Where each member's grams start in `hashes`. */
    const bases = new Int32Array(members.length);
    let at = 0;
    for (let m = 0; m < members.length; m++) {
      bases[m] = at;
      const p = patterns[members[m]!]!;
      const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
      // The hash the scan computes from the little-endian words (an 8-byte gram mixes two), inline:
      // a call per gram of 10^7 costs more than the hashing.
      if (gram === 4) for (let i = 0; i + 4 <= p.length; i++) hashes[at++] = Math.imul(view.getInt32(i, true), MULTIPLIER_HI);
      else for (let i = 0; i + 8 <= p.length; i++) hashes[at++] = Math.imul(view.getInt32(i, true), MULTIPLIER_HI) ^ Math.imul(view.getInt32(i + 4, true), MULTIPLIER_LO);
    }
    // A gram shared by many patterns costs a verification each: windows avoid them. Counted
    // approximately (a count-min sketch of one row: collisions only add), in one pass linear in the
    // grams and in a table small enough to stay in cache: an exact table of 10^7 hashes is not.
    const sketchBits = Math.max(10, Math.min(SKETCH_BITS, Math.ceil(Math.log2(total * 4 + 1))));
    const sketch = new Uint16Array(1 << sketchBits);
    const sketchShift = 32 - sketchBits;
    for (let i = 0; i < total; i++) {
      const at = Math.imul(hashes[i]!, SLOT_MULTIPLIER) >>> sketchShift;
      if (sketch[at]! < 0xffff) sketch[at]!++;
    }
    // Each gram's cost once (one sketch read per gram): the window search below reads them twice.
    const costs = new Int32Array(total);
    for (let m = 0; m < members.length; m++) {
      const p = patterns[members[m]!]!;
      const base = bases[m]!;
      const n = p.length - gram + 1;
      // commonness of each gram, sliding: add the byte entering, drop the byte leaving.
      let common = n > 0 ? commonness(p, 0, gram) : 0;
      for (let i = 0; i < n; i++) {
        if (i > 0) common += COMMONNESS[p[i + gram - 1]!]! - COMMONNESS[p[i - 1]!]!;
        costs[base + i] = sketch[Math.imul(hashes[base + i]!, SLOT_MULTIPLIER) >>> sketchShift]! * 8 + common;
      }
    }
    // The window of `stride` consecutive gram offsets with the lowest summed cost, per member.
    const windows = new Int32Array(members.length);
    members.forEach((index, m) => {
      const p = patterns[index]!;
      const n = p.length - gram + 1;
      const base = bases[m]!;
      let sum = 0;
      for (let i = 0; i < stride; i++) sum += costs[base + i]!;
      let best = sum;
      let window = 0;
      for (let a = 1; a + stride <= n; a++) {
        sum += costs[base + a + stride - 1]! - costs[base + a - 1]!;
        if (sum < best) {
          best = sum;
          window = a;
        }
      }
      windows[m] = base + window;
    });
    // FILTER_BITS_PER_GRAM per indexed gram up to the cap; past it the chance pass rate grows.
    const indexed = members.length * stride;
    const wordBits = Math.max(6, Math.min(MAX_FILTER_WORD_BITS, Math.ceil(Math.log2((indexed * FILTER_BITS_PER_GRAM) / 32))));
    const filter = allocate(1 << wordBits, shared);
    const filterShift = 32 - wordBits;
    // Buckets: a slot per distinct indexed hash, its entries contiguous (counted, then filled).
    const size = 1 << tableBits(indexed);
    const slots = new HashSlots(indexed, allocate(size, shared), allocate(size, shared));
    /** The slot of each indexed gram, in member order (kept from the insert: no second lookup). */
    const slotOf = new Int32Array(indexed);
    let e = 0;
    for (let m = 0; m < members.length; m++) for (let k = windows[m]!; k < windows[m]! + stride; k++) slotOf[e++] = slots.add(hashes[k]!);
    const starts = allocate(size, shared);
    let next = 0;
    for (let s = 0; s < size; s++) {
      starts[s] = next;
      next += 2 * slots.counts[s]!;
    }
    const entries = allocate(next, shared);
    const fill = new Int32Array(size);
    e = 0;
    for (let m = 0; m < members.length; m++) {
      const index = members[m]!;
      // Offsets are of the gram in its pattern.
      const memberBase = bases[m]!;
      for (let k = windows[m]!; k < windows[m]! + stride; k++) {
        const h = hashes[k]!;
        filter[h >>> filterShift]! |= filterBits(h);
        const slot = slotOf[e++]!;
        const at = starts[slot]! + 2 * fill[slot]!++;
        entries[at] = index;
        entries[at + 1] = k - memberBase;
      }
    }
    return { filter, keys: slots.keys, counts: slots.counts, starts, entries };
  }

  /** The patterns filed under hash `h` that occur in `text` with that gram at offset i. */
  verify(text: Uint8Array, i: number, h: number, out: PatternMatch[]): void {
    const slot = this.#slots.find(h);
    if (slot < 0) return;
    const entries = this.#entries;
    const from = this.#starts[slot]!;
    const to = from + 2 * this.#slots.counts[slot]!;
    for (let k = from; k < to; k += 2) {
      const index = entries[k]!;
      const start = i - entries[k + 1]!;
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

/** A matcher's built tables, for another thread's matcher over the same patterns (MultiPatternMatcher options). */
export interface MatcherTables {
  short: GramTables;
  long: GramTables;
}

export interface MatcherOptions {
  /** Build the tables on SharedArrayBuffers, so worker threads can use them without a copy. */
  shared?: boolean;
  /** Tables built by a matcher over the same patterns, in the same order (none are built here). */
  tables?: MatcherTables;
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

  constructor(patterns: readonly Uint8Array[], options: MatcherOptions = {}) {
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
    this.#short = new GramIndex(4, this.strides.short, patterns, short, { shared: options.shared, tables: options.tables?.short });
    this.#long = new GramIndex(8, this.strides.long, patterns, long, { shared: options.shared, tables: options.tables?.long });
  }

  /** The built tables (on SharedArrayBuffers when built with `shared`): hand them to another thread's matcher. */
  get tables(): MatcherTables {
    return { short: this.#short.tables, long: this.#long.tables };
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
