import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LeakFinder } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const token = 'phhostile7k2m4q9zx3';
const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: token }] });

async function scan(body: Buffer, headers: Array<[string, string]> = []) {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const result = await finder.scanFlow(makeFlow({ body, headers }));
  return { ...result, ms: performance.now() - t0, grewMb: (process.memoryUsage().rss - before) / 1e6 };
}

describe('detect: hostile bodies stay within the bounds and are reported undecodable', () => {
  it('a gzip bomb (zeros expanding to 4 GB) stops at the expansion bound', async () => {
    // 4 GB of zeros deflates to ~4 MB; build it in chunks to keep the test itself small.
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const member = gzipSync(zeros, { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member)); // 64 gzip members = 4 GiB
    const r = await scan(bomb, [['Content-Encoding', 'gzip']]);
    expect(r.undecodable.map((u) => u.reason).join()).to.match(/gzip expands more than 100x|over the flow's/);
    expect(r.undecodable[0]!.chain).to.deep.equal(['body', 'gzip (declared)']);
    expect(r.grewMb).to.be.below(600);
  });

  it('a sniffed gzip bomb inside base64 in JSON is bounded the same way', async () => {
    const member = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 });
    const r = await scan(Buffer.from(JSON.stringify({ data: member.toString('base64') })));
    expect(r.undecodable).to.have.length(1);
    expect(r.undecodable[0]!.chain).to.deep.equal(['body', 'json.data', 'base64', 'gzip (magic)']);
    expect(r.undecodable[0]!.reason).to.match(/expands more than 100x/);
  });

  it('1 MB of nearly-base64 text: bounded, reported undecodable, and a token in it is still found', async () => {
    // Short base64-looking runs split by stray characters: 50,000 candidate layers.
    const parts: string[] = [];
    for (let i = 0, size = 0; size < 1_000_000; i++) {
      parts.push(Buffer.from(`chunk ${i} of noise`).toString('base64').replace(/=+$/, '') + '!');
      size += parts[i]!.length;
    }
    const text = parts.join('') + ` ${token} end`;
    const r = await scan(Buffer.from(text));
    expect(r.undecodable.map((u) => u.reason)).to.deep.equal(['more than 10000 decoded parts in one flow']);
    expect(r.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body']);
    expect(r.ms).to.be.below(5000);
  });

  it('base64 nested past the depth bound is reported, not followed', async () => {
    let text = `{"u":"${token}"}`;
    for (let i = 0; i < 6; i++) text = Buffer.from(text).toString('base64');
    const r = await scan(Buffer.from(text));
    expect(r.undecodable.map((u) => u.reason)).to.deep.equal(['more than 4 nested encodings']);
    expect(r.undecodable[0]!.chain).to.deep.equal(['body', 'base64', 'base64', 'base64', 'base64', 'base64']);
    expect(r.findings).to.deep.equal([]);
  });

  it('JSON nested 10,000 deep is reported, and a token next to it is still found', async () => {
    const deep = '['.repeat(10_000) + `"${token}"` + ']'.repeat(10_000);
    const r = await scan(Buffer.from(deep));
    expect(r.undecodable.map((u) => u.reason)).to.deep.equal(['JSON nested deeper than 256 levels']);
    expect(r.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body']);
  });

  it('truncated gzip: what inflates is searched, the rest is reported unseen', async () => {
    const full = gzipSync(Buffer.from(`first ${token} then ` + randomBytes(6000).toString('base64')));
    const r = await scan(full.subarray(0, full.length - 2000), [['Content-Encoding', 'gzip']]);
    expect(r.undecodable.map((u) => u.reason)).to.deep.equal(['gzip: unexpected end of file']);
    expect(r.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › gzip (declared)']);
  });

  it('a body shorter than its Content-Length (or missing) is undecodable, and what is there is still searched', async () => {
    const partial = await scan(Buffer.from(`data=${token}`), [['Content-Length', '1484']]);
    expect(partial.undecodable.map((u) => u.reason)).to.deep.equal([`the capture holds ${`data=${token}`.length} of the 1484 bytes Content-Length declared`]);
    expect(partial.findings).to.have.length(1);
    const missing = await scan(Buffer.alloc(0), [['Content-Length', '1484']]);
    expect(missing.undecodable.map((u) => u.chain.join(' › '))).to.deep.equal(['body']);
    const whole = await scan(Buffer.from('abc'), [['Content-Length', '3']]);
    expect(whole.undecodable).to.deep.equal([]);
  });

  it('an unsupported Content-Encoding is undecodable, not silently skipped', async () => {
    const r = await scan(Buffer.from('whatever'), [['Content-Encoding', 'zstd']]);
    expect(r.undecodable.map((u) => u.reason)).to.deep.equal(["Content-Encoding 'zstd' is not supported (gzip, deflate, br)"]);
  });
});
