/**
 * Protobuf strings: a string needs a layer of its own only where one would decode more than the
 * message layer does: text holding JSON, multipart, %XX escapes, line breaks or digit groups (phone numbers), or
 * binary that may be compressed or is a message nested too deep to parse. Like a JSON string's,
 * its matches are the message's, its runs are found from the message (bareStrings) and its fields
 * are named lazily (chainAt), so most strings (names, URLs, ids) cost no layer.
 */
import { MIN_RUN_CHARS } from '../encodedRuns.js';
import { sniffBoundary } from '../multipartParts.js';
import { hasPercentEscape, isTextLike } from '../textSniff.js';
import type { DecoderFactory } from './decoder.js';
import { leadsNowhere } from './formatSniff.js';

export const protobufStrings: DecoderFactory = ({ bounds }) => {
  const needsLayer = (leaf: Buffer, digitGroup: boolean): boolean => {
    if (!isTextLike(leaf)) return !leadsNowhere(leaf, bounds.maxExpansion);
    const first = leaf[0];
    if (first === 0x7b || first === 0x5b || (first === 0x2d && sniffBoundary(leaf) !== undefined)) return true;
    // A line break: base64 in lines or quoted-printable may be there (their decoders need a layer).
    return digitGroup || hasPercentEscape(leaf) || leaf.includes(0x0a);
  };
  return {
    name: 'protobuf-strings',
    applies: (x) => x.structure?.kind === 'protobuf',
    expand(x) {
      const s = x.structure;
      if (s?.kind !== 'protobuf') return;
      const strings = s.strings;
      const b = x.bytes;
      for (let i = 0; i < strings.length; i++) {
        const start = strings.starts[i]!;
        const end = strings.ends[i]!;
        if (end - start < 4) continue;
        if (needsLayer(b.subarray(start, end), x.digitGroupWithin(start, end))) x.view(start, end, b.subarray(start, end), false);
        else if (end - start >= MIN_RUN_CHARS) (x.bareStrings ??= []).push(i);
      }
    },
  };
};
