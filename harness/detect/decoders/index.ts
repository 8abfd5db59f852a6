/**
 * The decoder table: every encoding the detector peels, one plug-in per file (decoder.ts has the
 * interface). Order matters only where a decoder takes over spans another would read: structure
 * (strings, fields, parts) first, then whole-text views (percent, digits), line-wrapped base64, undeclared
 * quoted-printable where no base64 lines were, base64 / hex runs in what is left, then compression of binary layers.
 */
import { base64Hex } from './base64Hex.js';
import { brotliOrRawDeflate, gzipMagic, zlibHeader } from './compressed.js';
import type { DecoderFactory } from './decoder.js';
import { digitGroups } from './digitGroups.js';
import { formFields } from './formFields.js';
import { jsonStrings } from './jsonStrings.js';
import { multipartParts } from './multipartParts.js';
import { percentEscapes } from './percentEscapes.js';
import { protobufStrings } from './protobufStrings.js';
import { quotedPrintable } from './quotedPrintable.js';
import { wrappedBase64 } from './wrappedBase64.js';

export const DECODERS: readonly DecoderFactory[] = [
  jsonStrings,
  formFields,
  multipartParts,
  protobufStrings,
  percentEscapes,
  digitGroups,
  wrappedBase64,
  quotedPrintable,
  base64Hex,
  gzipMagic,
  zlibHeader,
  brotliOrRawDeflate,
];

export type { Decoder, DecoderFactory, LayerExpansion } from './decoder.js';
export { decodeQuotedPrintable } from './quotedPrintable.js';
export { wrappedBase64Blocks } from './wrappedBase64.js';
export { DIGIT_GROUP } from './digitGroups.js';
export { MIN_BLIND_BYTES, leadsNowhere, worthDecoding } from './formatSniff.js';
