/**
 * The baseline the detector is measured against: the same decoded layers, searched the obvious way,
 * one `indexOf` per canary per encoded variant per layer.
 */
import type { PatternMatch, PatternScanner } from '../../harness/detect/index.js';

export class IndexOfPerPattern implements PatternScanner {
  constructor(readonly patterns: readonly Uint8Array[]) {}

  scan(text: Uint8Array): PatternMatch[] {
    const buf = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    const out: PatternMatch[] = [];
    this.patterns.forEach((p, pattern) => {
      for (let at = buf.indexOf(p); at >= 0; at = buf.indexOf(p, at + 1)) out.push({ pattern, start: at });
    });
    return out.sort((a, b) => a.start - b.start);
  }
}
