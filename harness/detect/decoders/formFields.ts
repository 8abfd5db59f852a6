/** Form, query and cookie fields: each value (percent-decoded, '+' as a space) is a layer named by its field. */
import { percentDecode } from '../formFields.js';
import type { DecoderFactory } from './decoder.js';

export const formFields: DecoderFactory = () => ({
  name: 'form-fields',
  applies: (x) => x.structure?.kind === 'fields',
  expand(x) {
    const s = x.structure;
    if (s?.kind !== 'fields') return;
    for (const f of s.fields) {
      const start = s.offset + f.valueStart;
      const end = s.offset + f.end;
      if (end - start < 4) continue;
      const raw = x.bytes.subarray(start, end);
      const decoded = raw.includes(0x25) || raw.includes(0x2b) ? percentDecode(raw, true) : raw;
      x.view(start, end, decoded, decoded !== raw);
    }
  },
});
