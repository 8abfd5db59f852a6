/**
 * JSON strings: an escaped string gets a layer of its unescaped value (\uXXXX and surrogate pairs
 * resolved); an unescaped one only if it needs decoding ('%'), holds JSON or digit groups. Other
 * strings are searched as part of the document, their URL / form fields named lazily (chainAt).
 */
import { MAX_JSON_NESTING, unescapeJsonString } from '../jsonStrings.js';
import type { DecoderFactory } from './decoder.js';

export const jsonStrings: DecoderFactory = () => ({
  name: 'json-strings',
  applies: (x) => x.structure?.kind === 'json',
  expand(x) {
    const s = x.structure;
    if (s?.kind !== 'json') return;
    const b = x.bytes;
    if (s.scan.tooDeep) x.fail(`JSON nested deeper than ${MAX_JSON_NESTING} levels`);
    // The first '%' at or after the string being read (b.length: none), found once for all the
    // strings before it: most bodies hold none, and a loop over every string would read them all.
    let nextPercent = -1;
    for (const v of s.scan.values) {
      if (!v.isString || v.end - v.start < 4) continue;
      if (v.escaped) {
        const value = unescapeJsonString(b, v);
        if (value !== undefined) x.view(v.start, v.end, Buffer.from(value, 'utf8'), true);
        continue;
      }
      if (nextPercent < v.start) {
        nextPercent = b.indexOf(0x25, v.start);
        if (nextPercent < 0) nextPercent = b.length;
      }
      // A '+' needs no layer: the canaries' '+'-for-space variants find form-encoded spaces.
      const first = b[v.start];
      if (nextPercent < v.end || first === 0x7b || first === 0x5b || x.digitGroupWithin(v.start, v.end)) x.view(v.start, v.end, b.subarray(v.start, v.end), false);
    }
  },
});
