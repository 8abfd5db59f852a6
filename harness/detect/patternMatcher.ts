/**
 * One pass over a byte buffer finds every occurrence of every pattern (thousands of patterns: each
 * canary in each encoded form). Each pattern is indexed by one of its 4-byte grams (its "anchor",
 * chosen to be rare among all patterns, so 'http' or '0000' never anchors a URL or an IMEI); the scan
 * keeps the last 4 bytes in an int, tests a 4-Mbit bitmap of anchor hashes, and verifies the few
 * candidates on a hit. Work per byte is constant whatever the number of patterns, like Aho–Corasick,
 * with a table small enough to stay in cache.
 */

const BITMAP_BITS = 22;
const HASH_MULTIPLIER = 0x9e3779b1;
/** Bytes that make a gram common in traffic (URL punctuation, spaces, quotes). */
const COMMON_BYTES = new Set([...' /:.?&=%"\'\\,;-_+{}[]<>\r\n\t0'].map((c) => c.charCodeAt(0)));

export const MIN_PATTERN_BYTES = 4;

const NO_MATCHES: PatternMatch[] = Object.freeze([]) as unknown as PatternMatch[];

export interface PatternMatch {
  /** Index of the pattern in the array given to the constructor. */
  pattern: number;
  /** Byte offset of the first byte of the match. */
  start: number;
}

function gramAt(bytes: Uint8Array, i: number): number {
  return ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) | 0;
}

function hashGram(gram: number): number {
  return Math.imul(gram, HASH_MULTIPLIER) >>> (32 - BITMAP_BITS);
}

function commonness(bytes: Uint8Array, i: number): number {
  let score = 0;
  for (let k = i; k < i + 4; k++) {
    const b = bytes[k]!;
    if (COMMON_BYTES.has(b)) score += 4;
    else if (b >= 0x61 && b <= 0x7a) score += 1; // lowercase letters: English words, host names
  }
  return score;
}

export class MultiPatternMatcher {
  readonly patterns: readonly Uint8Array[];
  readonly #bitmap = new Int32Array(1 << (BITMAP_BITS - 5));
  /** anchor gram -> [pattern index, anchor offset, pattern index, anchor offset, ...] */
  readonly #buckets = new Map<number, number[]>();

  constructor(patterns: readonly Uint8Array[]) {
    this.patterns = patterns;
    // How many patterns share each gram: an anchor shared by many patterns costs a verification each.
    const shared = new Map<number, number>();
    for (const p of patterns) {
      if (p.length < MIN_PATTERN_BYTES) throw new RangeError(`pattern shorter than ${MIN_PATTERN_BYTES} bytes`);
      const seen = new Set<number>();
      for (let i = 0; i + 4 <= p.length; i++) seen.add(gramAt(p, i));
      for (const g of seen) shared.set(g, (shared.get(g) ?? 0) + 1);
    }
    patterns.forEach((p, index) => {
      let best = 0;
      let bestScore = Infinity;
      for (let i = 0; i + 4 <= p.length; i++) {
        const score = (shared.get(gramAt(p, i)) ?? 0) * 8 + commonness(p, i);
        if (score < bestScore) {
          bestScore = score;
          best = i;
        }
      }
      const gram = gramAt(p, best);
      const h = hashGram(gram);
      this.#bitmap[h >>> 5]! |= 1 << (h & 31);
      const bucket = this.#buckets.get(gram);
      if (bucket) bucket.push(index, best);
      else this.#buckets.set(gram, [index, best]);
    });
  }

  /** Every occurrence (overlapping ones included) of every pattern in `text`, in text order. */
  scan(text: Uint8Array): PatternMatch[] {
    let out: PatternMatch[] | undefined;
    const n = text.length;
    if (n < MIN_PATTERN_BYTES || this.patterns.length === 0) return NO_MATCHES;
    const bitmap = this.#bitmap;
    const shift = 32 - BITMAP_BITS;
    let gram = (text[0]! << 16) | (text[1]! << 8) | text[2]!;
    for (let i = 3; i < n; i++) {
      gram = (gram << 8) | text[i]!;
      const h = Math.imul(gram, HASH_MULTIPLIER) >>> shift;
      if ((bitmap[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const bucket = this.#buckets.get(gram);
      if (bucket === undefined) continue;
      for (let k = 0; k < bucket.length; k += 2) {
        const index = bucket[k]!;
        const start = i - 3 - bucket[k + 1]!;
        if (start >= 0 && this.#matchesAt(text, this.patterns[index]!, start)) (out ??= []).push({ pattern: index, start });
      }
    }
    if (!out) return NO_MATCHES;
    if (out.length > 1) out.sort((a, b) => a.start - b.start);
    return out;
  }

  #matchesAt(text: Uint8Array, pattern: Uint8Array, start: number): boolean {
    const m = pattern.length;
    if (start + m > text.length) return false;
    for (let j = 0; j < m; j++) if (text[start + j] !== pattern[j]) return false;
    return true;
  }
}
