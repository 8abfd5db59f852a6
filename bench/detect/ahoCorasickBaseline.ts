/**
 * The fair baseline bench:detect compares against: the same decoded layers (LeakFinder decodes each
 * layer once), then one standard multi-pattern search per layer with a well-kept Aho-Corasick
 * package (modern-ahocorasick 3.3.0, its double-array backend) instead of the detector's sampled
 * gram filter. Bytes are matched as latin1 strings: one character per byte, so offsets are bytes.
 */
import FastAhoCorasick from 'modern-ahocorasick/fast';
import type { PatternMatch, PatternScanner } from '../../harness/detect/index.js';

export class AhoCorasickPerLayer implements PatternScanner {
  readonly #automaton: FastAhoCorasick;

  constructor(readonly patterns: readonly Uint8Array[]) {
    this.#automaton = new FastAhoCorasick(patterns.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('latin1')));
  }

  scan(text: Uint8Array): PatternMatch[] {
    const s = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
    const out = this.#automaton.search(s).map((m) => ({ pattern: m.patternIndex, start: m.start }));
    return out.sort((a, b) => a.start - b.start || a.pattern - b.pattern);
  }
}
