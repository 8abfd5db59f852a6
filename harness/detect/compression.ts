/**
 * Bounded decompression: output is capped (ratio to the input and the flow's remaining budget) by
 * zlib itself, so a bomb stops at the cap instead of filling memory.
 */
import zlib from 'node:zlib';

export type Compression = 'gzip' | 'deflate' | 'deflate-raw' | 'brotli';

export type DecompressResult =
  | { ok: true; bytes: Buffer; truncated?: false }
  /** Truncated input: what could be decoded, plus the failure (the rest is unseen). */
  | { ok: true; bytes: Buffer; truncated: true; reason: string }
  /**
   * Failed. Over the bound, `prefix` is what a leading part of the stream decodes to within it:
   * what did decode is searched (a bomb cannot hide a canary put before it).
   */
  | { ok: false; reason: string; overBound: boolean; prefix?: Buffer };

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

/** zlib header: CM=8, window <= 32K, header checksum. */
export function isZlib(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && b[0]! >> 4 <= 7 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

function run(kind: Compression, input: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions): Buffer {
  switch (kind) {
    case 'gzip':
      return zlib.gunzipSync(input, options as zlib.ZlibOptions);
    case 'deflate':
      return zlib.inflateSync(input, options as zlib.ZlibOptions);
    case 'deflate-raw':
      return zlib.inflateRawSync(input, options as zlib.ZlibOptions);
    case 'brotli':
      return zlib.brotliDecompressSync(input, options as zlib.BrotliOptions);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `salvage`: on failure, inflate what a truncated stream holds (a leak seen is a leak); pointless for
 * attempts on bytes that may not be compressed at all, where a failure only means "not this format".
 */
export function decompress(kind: Compression, input: Buffer, maxOutput: number, salvage = true): DecompressResult {
  const cap = Math.max(1, Math.floor(maxOutput));
  // Failed attempts on bytes that are not compressed are routine: skip building stack traces for
  // them, and size zlib's output chunks to the input so small attempts allocate little.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const chunkSize = Math.min(64 * 1024, Math.max(1024, 2 ** Math.ceil(Math.log2(input.length * 4 + 1))));
  try {
    return attempt(kind, input, cap, chunkSize, salvage);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function attempt(kind: Compression, input: Buffer, cap: number, chunkSize: number, salvage: boolean): DecompressResult {
  try {
    return { ok: true, bytes: run(kind, input, { maxOutputLength: cap, chunkSize }) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      const prefix = prefixWithin(kind, input, cap, chunkSize);
      return { ok: false, reason: `${kind} output over ${cap} bytes`, overBound: true, ...(prefix ? { prefix } : {}) };
    }
    const reason = `${kind}: ${message(error)}`;
    if (kind === 'brotli' || !salvage) return { ok: false, reason, overBound: false };
    // A truncated stream: salvage what inflates (a leak seen is a leak), but report the rest unseen.
    try {
      const partial = run(kind, input, { maxOutputLength: cap, chunkSize, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      return { ok: true, bytes: partial, truncated: true, reason };
    } catch {
      return { ok: false, reason, overBound: false };
    }
  }
}

/** Flushes a truncated stream's decodable output instead of failing on its missing end. */
const FLUSH: Record<Compression, number> = {
  gzip: zlib.constants.Z_SYNC_FLUSH,
  deflate: zlib.constants.Z_SYNC_FLUSH,
  'deflate-raw': zlib.constants.Z_SYNC_FLUSH,
  brotli: zlib.constants.BROTLI_OPERATION_FLUSH,
};

/**
 * The output of the longest leading part of `input` (1 KB, 4 KB, 16 KB, ... of it) that decodes
 * within `cap` bytes. zlib's sync calls discard everything once the output passes the cap, so the
 * stream is cut instead; growing the cut 4x each time bounds the work to about 4/3 of the cap.
 */
function prefixWithin(kind: Compression, input: Buffer, cap: number, chunkSize: number): Buffer | undefined {
  let best: Buffer | undefined;
  for (let k = Math.min(input.length, 1024); k < input.length; k = Math.min(input.length, k * 4)) {
    try {
      best = run(kind, input.subarray(0, k), { maxOutputLength: cap, chunkSize, finishFlush: FLUSH[kind] });
    } catch {
      break;
    }
  }
  return best && best.length > 0 ? best : undefined;
}
