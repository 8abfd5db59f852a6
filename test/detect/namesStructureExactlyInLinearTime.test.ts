import { expect } from 'chai';
import { LeakFinder } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const token = 'phstruct7k2m4q9zx3';
const finder = new LeakFinder({ canaries: [{ kind: 'visit-token', value: token }] });

async function chainsIn(body: string): Promise<{ chains: string[]; ms: number }> {
  const t0 = performance.now();
  const scan = await finder.scanFlow(makeFlow({ body }));
  return { chains: scan.findings.map((f) => f.chain.join(' › ')), ms: performance.now() - t0 };
}

describe('detect: JSON keys and form fields are named exactly, and large bodies of them scan in linear time', () => {
  it('names JSON keys with escapes as the document means them', async () => {
    expect((await chainsIn(`{"a\\"b": "${token}"}`)).chains).to.deep.equal(['body › json["a\\"b"]']);
    expect((await chainsIn(`{"\\u0075rl": {"x": ["${token}"]}}`)).chains).to.deep.equal(['body › json.url.x[0]']);
    expect((await chainsIn(`{"": "${token}"}`)).chains).to.deep.equal(['body › json[""]']);
  });

  it('finds a token in an escaped string after many strings without escapes', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `"s${i}":"plain value ${i}"`).join(',');
    expect((await chainsIn(`{${many},"e":"a\\/b ${token}"}`)).chains).to.deep.equal(['body › json.e']);
  });

  it('names the form field of a token after many fields without a value', async () => {
    expect((await chainsIn(`${'flag&'.repeat(2000)}x=${token}`)).chains).to.deep.equal(['body › form[x]']);
  });

  it('scans 1,000,000 JSON strings, or 1,000,000 form fields before one "=", in well under 5 s (hostile input)', async () => {
    const json = `[${'"ab",'.repeat(1_000_000)}"${token}"]`;
    const r1 = await chainsIn(json);
    expect(r1.chains).to.deep.equal(['body › json[1000000]']);
    expect(r1.ms).to.be.below(5000);
    const form = `${'a&'.repeat(1_000_000)}x=${token}`;
    const r2 = await chainsIn(form);
    expect(r2.chains).to.deep.equal(['body › form[x]']);
    expect(r2.ms).to.be.below(5000);
  });
});
