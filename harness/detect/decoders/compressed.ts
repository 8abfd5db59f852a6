/**
 * Compressed binary found inside a layer (not declared by Content-Encoding): gzip by its 3-byte
 * magic (proof enough: a failure is undecodable); zlib by its 2-byte header, which turns up by
 * chance in random bytes, so the stream after it is probed first and only a checksummed success
 * counts; brotli and raw deflate have no magic number: probed, then tried, and kept only if the
 * output is a known format (see LayerDecoder's decompress modes).
 */
import { isGzip } from '../compression.js';
import { mayBeBrotli, mayBeRawDeflate, mayBeZlib } from '../compressionProbes.js';
import type { DecoderFactory } from './decoder.js';
import { MIN_BLIND_BYTES } from './formatSniff.js';

const binary = (x: { text: boolean; structure: unknown }) => !x.text && x.structure === undefined;

export const gzipMagic: DecoderFactory = () => ({
  name: 'gzip',
  applies: (x) => binary(x) && isGzip(x.bytes),
  expand(x) {
    if (x.decompress('gzip', 'required')) x.decompressed = true;
  },
});

export const zlibHeader: DecoderFactory = () => ({
  name: 'zlib',
  applies: (x) => binary(x) && !x.decompressed && !isGzip(x.bytes) && mayBeZlib(x.bytes),
  expand(x) {
    if (x.decompress('deflate', 'checked')) x.decompressed = true;
  },
});

export const brotliOrRawDeflate: DecoderFactory = ({ bounds }) => ({
  name: 'brotli / raw deflate',
  applies: (x) => binary(x) && !x.decompressed && !isGzip(x.bytes) && x.bytes.length >= MIN_BLIND_BYTES,
  expand(x) {
    const b = x.bytes;
    const brotli = mayBeBrotli(b, bounds.maxExpansion);
    const deflate = mayBeRawDeflate(b);
    if (!(brotli || deflate) || !x.blindAttempt()) return;
    if (brotli && x.decompress('brotli', 'blind')) x.decompressed = true;
    else if (deflate && x.decompress('deflate-raw', 'blind')) x.decompressed = true;
  },
});
