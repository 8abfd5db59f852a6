import zlib from 'node:zlib';
import { NetError } from './netError.js';

/**
 * Undoes a response's Content-Encoding (gzip, deflate, br), bounded so a compression bomb cannot
 * exhaust memory. Unknown encodings are left as they are.
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const steps = (encoding ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'identity');
  let out = body;
  try {
    for (const step of steps.reverse()) {
      if (step === 'gzip' || step === 'x-gzip') out = zlib.gunzipSync(out, { maxOutputLength: maxBytes });
      else if (step === 'deflate') out = inflateEither(out, maxBytes);
      else if (step === 'br') out = zlib.brotliDecompressSync(out, { maxOutputLength: maxBytes });
      else return out;
    }
  } catch (error) {
    const tooBig = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new NetError(tooBig ? 'too-large' : 'invalid-response', `content-encoding '${encoding}': ${tooBig ? `decoded body over ${maxBytes} bytes` : (error as Error).message}`, { cause: error });
  }
  return out;
}

/** `deflate` in the wild is zlib-wrapped or raw. */
function inflateEither(body: Buffer, maxBytes: number): Buffer {
  try {
    return zlib.inflateSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return zlib.inflateRawSync(body, { maxOutputLength: maxBytes });
  }
}
