import { expect } from 'chai';
import { isUtf8 } from 'node:buffer';
import { isTextLike } from '../../harness/detect/textSniff.js';

/** The definition, byte by byte: valid UTF-8 with at most 1% control characters (tab, LF, CR allowed). */
function reference(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let sample = bytes.length > 65536 ? bytes.subarray(0, 65536) : bytes;
  if (sample !== bytes) {
    let end = sample.length;
    while (end > sample.length - 4 && (bytes[end]! & 0xc0) === 0x80) end--;
    sample = bytes.subarray(0, end);
  }
  let control = 0;
  for (const b of sample) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) control++;
  return control <= Math.floor(sample.length / 100) && isUtf8(sample);
}

describe('detect: text is told from binary by its control characters, counted exactly', () => {
  it('agrees with the byte-by-byte definition at every length, alignment and control-character count', () => {
    const specials = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xc3, 0xff];
    let text = 0;
    let binary = 0;
    for (let k = 0; k < 6000; k++) {
      const length = 1 + ((k * 37) % 3000);
      const memory = Buffer.alloc(length + 8);
      for (let i = 0; i < memory.length; i++) memory[i] = 0x20 + ((i * 7 + k) % 90);
      for (let j = 0; j < k % 45; j++) memory[(j * 131 + k) % memory.length] = specials[(j + k) % specials.length]!;
      const view = memory.subarray(k % 8, (k % 8) + length);
      const expected = reference(view);
      expect(isTextLike(view), `case ${k}`).to.equal(expected);
      if (expected) text++;
      else binary++;
    }
    expect(text).to.be.above(500);
    expect(binary).to.be.above(1000);
  });
});
