/**
 * Percent-decoded view of a text layer decoded as a whole (for a URL: its path; the query is
 * decoded field by field), when it holds a %XX escape; it decodes runs in place of the parent.
 * '+' alone makes no view (see jsonStrings); with an escape, '+' is decoded too when some canary
 * has a space. `changed` marks decoded bytes, so a match on unchanged bytes is left to the parent.
 */
import { percentDecode } from '../formFields.js';
import { hasPercentEscape } from '../textSniff.js';
import type { DecoderFactory } from './decoder.js';

export const percentEscapes: DecoderFactory = () => ({
  name: 'percent',
  applies: (x) => x.text && x.wholeTextEnd > 0,
  expand(x) {
    const b = x.bytes;
    const end = x.wholeTextEnd;
    const part = end < b.length ? b.subarray(0, end) : b;
    if (!hasPercentEscape(part)) return;
    if (x.layer.depth + 1 > x.bounds.maxDepth) {
      x.fail(`more than ${x.bounds.maxDepth} nested encodings`, [...x.layer.chain, 'urldecode']);
      return;
    }
    const plus = x.options.plusViews === true && part.includes(0x2b) && !part.includes(0x20);
    const decoded = percentDecode(part, plus);
    const changed = new Uint8Array(decoded.length);
    let o = 0;
    for (let i = 0; i < part.length; i++, o++) {
      const c = part[i]!;
      if (c === 0x25 && i + 2 < part.length && decoded[o] !== 0x25) {
        changed[o] = 1;
        i += 2;
      } else if (c === 0x25 && i + 2 < part.length && part[i + 1] === 0x32 && part[i + 2] === 0x35) {
        changed[o] = 1; // '%25' decodes to '%' itself
        i += 2;
      } else if (c === 0x2b && plus) changed[o] = 1;
    }
    if (x.whole(part.length, decoded, 'urldecode', { depthAdd: 1, changed })) x.cover(0, end);
  },
});
