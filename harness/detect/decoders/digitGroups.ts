/**
 * Phone numbers written in groups ('138 0013-8000'): a digits-only view of a text layer decoded as
 * a whole, with the separators inside digit groups removed. A leaf: only phone canaries are
 * reported from it (leakFinder).
 */
import type { DecoderFactory } from './decoder.js';

/** A digit, separators, a digit: where a phone number written in groups may be. */
export const DIGIT_GROUP = /\d[ \-().\u00a0]+\d/;
/** Digit groups with separators, as phone numbers are written. */
const DIGIT_GROUPS = /\+?\d[\d \-().\u00a0]{4,}\d/g;

export const digitGroups: DecoderFactory = () => ({
  name: 'digit-groups',
  applies: (x) => x.text && x.wholeTextEnd > 0 && x.options.digitsViews === true,
  expand(x) {
    const end = x.wholeTextEnd;
    const s = x.bytes.toString('latin1', 0, end);
    if (!DIGIT_GROUP.test(s)) return;
    const pieces: string[] = [];
    const changedSpans: Array<[number, number]> = [];
    let last = 0;
    let length = 0;
    for (const m of s.matchAll(DIGIT_GROUPS)) {
      const d = m[0].replace(/[ \-().\u00a0]/g, '');
      if (d === m[0] || d.length < 6) continue;
      pieces.push(s.slice(last, m.index));
      length += m.index - last;
      changedSpans.push([length, length + d.length]);
      pieces.push(d);
      length += d.length;
      last = m.index + m[0].length;
    }
    if (changedSpans.length === 0) return;
    pieces.push(s.slice(last));
    const bytes = Buffer.from(pieces.join(''), 'latin1');
    const changed = new Uint8Array(bytes.length);
    for (const [a, z] of changedSpans) changed.fill(1, a, z);
    x.whole(end, bytes, 'digits', { depthAdd: 0, changed, leaf: true });
  },
});
