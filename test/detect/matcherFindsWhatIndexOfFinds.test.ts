import { expect } from 'chai';
import { MultiPatternMatcher } from '../../harness/detect/index.js';
import { indexOfAll, seededBytes as bytes } from './flowFixtures.js';

const HEX = '0123456789abcdef';

describe('detect: the sampled multi-pattern matcher finds exactly what indexOf finds', () => {
  // Shortest pattern 4..16 bytes: strides 1..4 through a DataView below 7 bytes, aligned words from 7.
  for (const shortest of [4, 5, 6, 7, 8, 10, 11, 14, 15, 16]) {
    it(`patterns of ${shortest}..60 bytes, planted at every alignment, at both ends, overlapping`, () => {
      const patterns: Buffer[] = [];
      for (let i = 0; i < 300; i++) patterns.push(bytes(1000 + i, shortest + (i % (61 - shortest)), i % 2 ? HEX : undefined));
      patterns.push(Buffer.from('a'.repeat(shortest + 3)), Buffer.from('ab'.repeat(shortest)));
      const matcher = new MultiPatternMatcher(patterns);
      for (const [name, alphabet] of [['binary', undefined], ['hex', HEX], ['a/b', 'ab']] as const) {
        const text = bytes(shortest, 20_000, alphabet);
        // Plant patterns at every offset mod 8, at the very start and the very end, and overlapping.
        for (let k = 0; k < 40; k++) patterns[(k * 7) % patterns.length]!.copy(text, 97 * k * 5 + (k % 8));
        patterns[3]!.copy(text, 0);
        patterns[5]!.copy(text, text.length - patterns[5]!.length);
        Buffer.from('a'.repeat(shortest * 3)).copy(text, 15_000);
        const expected = indexOfAll(patterns, text);
        expect(matcher.scan(text), `${name} text`).to.deep.equal(expected);
        expect(expected.length, `${name} text has matches to find`).to.be.greaterThan(40);
        // The same bytes at every alignment in memory, cut at both ends: samples are aligned words.
        for (let from = 1; from < 9; from++) {
          const view = text.subarray(from, text.length - (from % 5));
          expect(matcher.scan(view), `${name} text from byte ${from}`).to.deep.equal(indexOfAll(patterns, view));
        }
      }
    });
  }

  it('scans views into a larger buffer (Buffer pool, subarrays) by their own offsets', () => {
    const patterns = [Buffer.from('phq7k2m4x9z3w8r1t5'), Buffer.from('867530912345671'), Buffer.from('4c49e312abcd')];
    const matcher = new MultiPatternMatcher(patterns);
    const big = Buffer.from(`xx${patterns[0]}yy${patterns[1]}zz${patterns[2]}`);
    for (let from = 0; from < 8; from++) {
      for (const end of [big.length, big.length - 1, big.length - 5]) {
        const view = big.subarray(from, end);
        expect(matcher.scan(view), `[${from}, ${end})`).to.deep.equal(indexOfAll(patterns, view));
      }
    }
    // Small buffers share Buffer's pool ArrayBuffer: each scan must read only its own bytes.
    const a = Buffer.from(`${patterns[2]}`);
    const b = Buffer.from('nothing to see here at all');
    expect(a.buffer).to.equal(b.buffer);
    expect(matcher.scan(b)).to.deep.equal([]);
    expect(matcher.scan(a)).to.deep.equal([{ pattern: 2, start: 0 }]);
  });

  it('finds the shortest patterns at the very start and end of a buffer, at every alignment in memory', () => {
    const patterns = [Buffer.from('imei7ab'), Buffer.from('4c49e312abcd'), Buffer.from('13800138000xyz'), Buffer.from('a visit token of 19')];
    const matcher = new MultiPatternMatcher(patterns);
    const memory = Buffer.alloc(4096, 0x2e);
    for (const first of patterns) {
      for (const last of patterns) {
        for (let gap = 0; gap < 9; gap++) {
          const content = Buffer.concat([first, Buffer.alloc(gap, 0x2e), last]);
          for (let at = 0; at < 16; at++) {
            content.copy(memory, at);
            const view = memory.subarray(at, at + content.length);
            expect(matcher.scan(view), `${first} .${gap} ${last} at ${at}`).to.deep.equal(indexOfAll(patterns, view));
          }
        }
      }
    }
  });

  it('finds nothing in buffers shorter than a gram, and rejects patterns shorter than 4 bytes', () => {
    const matcher = new MultiPatternMatcher([Buffer.from('abcd')]);
    expect(matcher.scan(Buffer.from('abc'))).to.deep.equal([]);
    expect(matcher.scan(Buffer.from('abcd'))).to.deep.equal([{ pattern: 0, start: 0 }]);
    expect(() => new MultiPatternMatcher([Buffer.from('abc')])).to.throw(RangeError, /shorter than 4 bytes/);
  });
});
