import { expect } from 'chai';
import { MultiPatternMatcher } from '../../harness/detect/index.js';
import { indexOfAll, seededBytes as bytes } from './flowFixtures.js';

const HEX = '0123456789abcdef';

// The matcher's layout (patternMatcher.ts): a two-word blocked filter, then an open-addressing slot
// table whose value is either the one gram filed under a hash or a list of them, then the pattern's
// bytes in one flat copy. These check the parts matcherFindsWhatIndexOfFinds does not reach.
describe('detect: the matcher verifies grams shared by many patterns, and large tables, as indexOf finds', () => {
  it('patterns whose every gram is shared (one core, a different last byte) are all filed in lists and all found', () => {
    const core = 'ph'.padEnd(30, 'q7');
    const patterns = Array.from({ length: 200 }, (_, i) => Buffer.from(core + String.fromCharCode(0x21 + (i % 90)) + String.fromCharCode(0x21 + Math.floor(i / 90))));
    const matcher = new MultiPatternMatcher(patterns);
    // Most window grams lie in the shared core: their hashes hold lists, not single grams.
    expect(matcher.tables.long.lists.length).to.be.greaterThan(200);
    const text = bytes(3, 30_000, HEX);
    for (let k = 0; k < 60; k++) patterns[(k * 13) % patterns.length]!.copy(text, 401 * k + (k % 8));
    const expected = indexOfAll(patterns, text);
    expect(expected.length).to.be.at.least(60);
    expect(matcher.scan(text)).to.deep.equal(expected);
  });

  it('5,000 patterns (slot collisions, probe runs across slots) in hex and binary text', () => {
    const patterns: Buffer[] = [];
    for (let i = 0; i < 5_000; i++) patterns.push(bytes(50_000 + i, 15 + (i % 50), i % 3 === 0 ? undefined : HEX));
    const matcher = new MultiPatternMatcher(patterns);
    for (const alphabet of [HEX, undefined]) {
      const text = bytes(alphabet ? 11 : 12, 40_000, alphabet);
      for (let k = 0; k < 60; k++) patterns[(k * 61) % patterns.length]!.copy(text, 641 * k + (k % 8));
      const expected = indexOfAll(patterns, text);
      expect(expected.length).to.be.at.least(60);
      expect(matcher.scan(text)).to.deep.equal(expected);
      // And from every alignment in memory.
      for (const from of [1, 6]) {
        const view = text.subarray(from);
        expect(matcher.scan(view)).to.deep.equal(indexOfAll(patterns, view));
      }
    }
  });
});
