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
  // Control characters first: random bytes fail after the first chunk, without the call into C++
  // for isUtf8.
  if (controlsOver(sample, Math.floor(sample.length / 100))) return false;
  return isUtf8(sample);
}

/**
 * True when `bytes` holds more than `allowed` control characters. Aligned 32-bit words are tested
 * four bytes at a time (a byte below 0x20, or 0x7f: the bit tricks of "Bit Twiddling Hacks"), and
 * only words holding one are counted byte by byte: text, tabs and newlines aside, has none.
 */
function controlsOver(bytes: Uint8Array, allowed: number): boolean {
  const n = bytes.length;
  let control = 0;
  // Short (most calls: decoded ids, strings): byte by byte costs less than a view of words.
  if (n < CONTROL_CHUNK) {
    for (let i = 0; i < n; i++) if ((control += CONTROL[bytes[i]!]!) > allowed) return true;
    return false;
  }
  const head = Math.min(n, (4 - (bytes.byteOffset % 4)) % 4);
  for (let i = 0; i < head; i++) control += CONTROL[bytes[i]!]!;
  const count = (n - head) >>> 2;
  if (count > 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + head, count);
    for (let chunk = 0; chunk < count; chunk += CONTROL_CHUNK / 4) {
      const end = Math.min(count, chunk + CONTROL_CHUNK / 4);
      for (let k = chunk; k < end; k++) {
        const w = words[k]!;
        const x = w ^ 0x7f7f7f7f;
        if ((((w - 0x20202020) & ~w) | ((x - 0x01010101) & ~x)) & 0x80808080) {
          const i = head + 4 * k;
          control += CONTROL[bytes[i]!]! + CONTROL[bytes[i + 1]!]! + CONTROL[bytes[i + 2]!]! + CONTROL[bytes[i + 3]!]!;
        }
      }
      if (control > allowed) return true;
    }
  }
  for (let i = head + 4 * count; i < n; i++) control += CONTROL[bytes[i]!]!;
  return control > allowed;
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
