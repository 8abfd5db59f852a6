/** Cheap tests on decoded bytes: is this text worth decoding further, and does it start like JSON. */
import { isUtf8 } from 'node:buffer';

const SAMPLE_BYTES = 64 * 1024;
const CONTROL_CHUNK = 256;

/** 1 for the control characters text does not hold (all below 0x20 but tab, LF, CR; and DEL). */
const CONTROL = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) if (b !== 0x09 && b !== 0x0a && b !== 0x0d) CONTROL[b] = 1;
CONTROL[0x7f] = 1;

/**
 * Valid UTF-8 (over the first 64 KB) with almost no control characters. Random bytes fail this
 * almost surely, so a base64 run that decodes to garbage is not mistaken for a text layer.
 */
export function isTextLike(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let sample = bytes.length > SAMPLE_BYTES ? bytes.subarray(0, SAMPLE_BYTES) : bytes;
  if (sample !== bytes) {
    // Do not cut a multi-byte character in half.
    let end = sample.length;
    while (end > sample.length - 4 && (bytes[end]! & 0xc0) === 0x80) end--;
    sample = bytes.subarray(0, end);
  }
  // Control characters first, counted by table a chunk at a time: random bytes fail after the
  // first chunk, without the call into C++ for isUtf8.
  const allowed = Math.floor(sample.length / 100);
  const n = sample.length;
  let control = 0;
  for (let chunk = 0; chunk < n; chunk += CONTROL_CHUNK) {
    const end = Math.min(n, chunk + CONTROL_CHUNK);
    for (let i = chunk; i < end; i++) control += CONTROL[sample[i]!]!;
    if (control > allowed) return false;
  }
  return isUtf8(sample);
}

/** First byte that is not JSON whitespace, or -1. */
export function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

export function hasPercentEscape(bytes: Buffer): boolean {
  let i = bytes.indexOf(0x25);
  while (i >= 0 && i + 2 < bytes.length) {
    if (isHexDigit(bytes[i + 1]!) && isHexDigit(bytes[i + 2]!)) return true;
    i = bytes.indexOf(0x25, i + 1);
  }
  return false;
}

export function isHexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}
