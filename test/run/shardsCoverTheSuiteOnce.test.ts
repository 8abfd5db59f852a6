import { expect } from 'chai';
import { parseShard, selectShard } from '../../harness/run/index.js';
import { PhonehomeError } from '../../harness/errors.js';

const titles = Array.from({ length: 23 }, (_, i) => `forbes-2020 › redmi-note-8 › test ${i}`);

describe('--shard i/n picks a deterministic slice', () => {
  it('shards 1/n … n/n hold every test exactly once, balanced, for n = 1…5', () => {
    for (let n = 1; n <= 5; n++) {
      const slices = Array.from({ length: n }, (_, i) => selectShard(titles, parseShard(`${i + 1}/${n}`), (t) => t));
      const all = slices.flat();
      expect(all, `n=${n}`).to.have.length(titles.length);
      expect(new Set(all).size, `n=${n}`).to.equal(titles.length);
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes), `n=${n} sizes ${sizes}`).to.be.at.most(1);
    }
  });

  it('gives the same slice whatever order the tests were listed in', () => {
    const shuffled = [...titles].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]!);
    const a = selectShard(titles, parseShard('2/3'), (t) => t);
    const b = selectShard(shuffled, parseShard('2/3'), (t) => t);
    expect([...b].sort()).to.deep.equal([...a].sort());
    expect(a).to.deep.equal(b);
  });

  it('refuses malformed shards and repeated keys with one-line errors', () => {
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1', '1/2/3', '']) {
      expect(() => parseShard(bad), bad).to.throw(PhonehomeError, /--shard must be i\/n/);
    }
    expect(parseShard(' 2 / 4 ')).to.deep.equal({ index: 2, count: 4 });
    expect(() => selectShard(['a', 'a'], parseShard('1/2'), (t) => t)).to.throw(PhonehomeError, /two items share the key 'a'/);
  });
});
