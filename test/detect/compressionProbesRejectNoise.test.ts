import { expect } from 'chai';
import { brotliCompressSync, constants, deflateRawSync, deflateSync } from 'node:zlib';
import { isZlib } from '../../harness/detect/compression.js';
import { mayBeBrotli, mayBeRawDeflate, mayBeZlib } from '../../harness/detect/compressionProbes.js';
import { seededBytes as noise } from './flowFixtures.js';

const MAX_EXPANSION = 100;

/** Telemetry-like inputs of many sizes, from one byte to 70 KB, text and binary. */
function inputs(): Buffer[] {
  const out = [Buffer.from('x'), Buffer.from('phonehome zq4k7m2x'), noise(1, 10), noise(2, 3000), noise(3, 70_000)];
  out.push(Buffer.from(Array.from({ length: 400 }, (_, i) => `line ${i} of text, ${(i * 7919) % 1000} words\n`).join('')));
  for (let k = 0; k < 12; k++) {
    const events = Array.from({ length: 1 + k * 9 }, (_, i) => ({ url: `https://h${i}.example.com/p?q=${noise(k * 100 + i, 4).toString('hex')}`, t: 1_700_000_000_000 + i }));
    out.push(Buffer.from(JSON.stringify(events)));
  }
  return out;
}

describe('detect: the raw DEFLATE and brotli probes accept real streams and reject noise', () => {
  it('accepts every raw DEFLATE stream zlib writes, at every level and strategy', () => {
    const missed: string[] = [];
    let checked = 0;
    for (const input of inputs()) {
      for (let level = 0; level <= 9; level++) {
        for (const strategy of [0, 1, 2, 3, 4]) {
          const stream = deflateRawSync(input, { level, strategy });
          checked++;
          if (!mayBeRawDeflate(stream)) missed.push(`${input.length} bytes, level ${level}, strategy ${strategy}`);
        }
      }
    }
    expect(missed).to.deep.equal([]);
    expect(checked).to.be.above(800);
  });

  it('accepts every brotli stream within the expansion bound, at every quality and window', () => {
    const missed: string[] = [];
    let checked = 0;
    for (const input of inputs()) {
      for (let quality = 0; quality <= 11; quality++) {
        for (const window of [10, 16, 22, 24]) {
          const stream = brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_LGWIN]: window, [constants.BROTLI_PARAM_SIZE_HINT]: input.length } });
          if (input.length > stream.length * MAX_EXPANSION) continue; // refused by design: a bomb
          checked++;
          if (!mayBeBrotli(stream, MAX_EXPANSION)) missed.push(`${input.length} bytes, quality ${quality}, window ${window}`);
        }
      }
    }
    expect(missed).to.deep.equal([]);
    expect(checked).to.be.above(800);
  });

  it('accepts every zlib stream, and few random buffers that start with a zlib header by chance', () => {
    const missed: string[] = [];
    for (const input of inputs()) {
      for (let level = 0; level <= 9; level++) {
        if (!mayBeZlib(deflateSync(input, { level }))) missed.push(`${input.length} bytes, level ${level}`);
      }
    }
    expect(missed).to.deep.equal([]);
    let headers = 0;
    let passed = 0;
    for (let i = 0; headers < 2000; i++) {
      const bytes = noise(50_000 + i, 8 + (i % 120));
      if (!isZlib(bytes)) continue;
      headers++;
      if (mayBeZlib(bytes)) passed++;
    }
    // A preset dictionary is never known here, and the stream after a chance header rarely parses.
    expect(passed / headers).to.be.below(0.01);
  });

  it('rejects random bytes (ids, hashes, signatures) almost always, so zlib is rarely started on them', () => {
    let deflate = 0;
    let brotli = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const bytes = noise(1000 + i, 16 + (i % 200));
      if (mayBeRawDeflate(bytes)) deflate++;
      if (mayBeBrotli(bytes, MAX_EXPANSION)) brotli++;
    }
    // Measured: about 0.01% and 0.75%; before the probes read the codes themselves, 0.96% and 2.25%.
    expect(deflate / n).to.be.below(0.001);
    expect(brotli / n).to.be.below(0.01);
  });
});
