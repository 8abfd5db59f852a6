/** Format tests shared by decoders: is a decoded span worth a layer, and could it decode further? */
import { isGzip } from '../compression.js';
import { mayBeBrotli, mayBeRawDeflate, mayBeZlib } from '../compressionProbes.js';
import { sniffBoundary } from '../multipartParts.js';
import { protobufStrings } from '../protobufWire.js';
import { isTextLike } from '../textSniff.js';

/** Shorter binary is not worth compressing, so it is not tried as brotli / raw deflate. */
export const MIN_BLIND_BYTES = 40;

/** Compressed with a magic number, or text. */
export function worthDecoding(bytes: Uint8Array): boolean {
  return isGzip(bytes) || mayBeZlib(bytes) || isTextLike(bytes);
}

/**
 * True when a decoded run, as a layer, would decode to nothing more: what expansion does with a
 * layer of no root, answered without making one (not text, no multipart or protobuf structure,
 * no compression magic, too short or failing the brotli / raw deflate probes).
 */
export function leadsNowhere(bytes: Uint8Array, maxExpansion: number): boolean {
  if (isGzip(bytes) || mayBeZlib(bytes) || isTextLike(bytes)) return false;
  if (bytes[0] === 0x2d && bytes[1] === 0x2d && sniffBoundary(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) !== undefined) return false;
  if (protobufStrings(bytes, isTextLike) !== undefined) return false;
  return bytes.length < MIN_BLIND_BYTES || !(mayBeBrotli(bytes, maxExpansion) || mayBeRawDeflate(bytes));
}
