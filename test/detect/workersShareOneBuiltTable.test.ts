import { expect } from 'chai';
import { LeakFinder, MultiPatternMatcher, ScanPool, type Canary } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const canaries: Canary[] = Array.from({ length: 50 }, (_, i) => ({ kind: 'visit-token', value: `phc${i.toString(36).padStart(4, '0')}q7zk2xw4` }));

describe('detect: worker threads share one built pattern table', () => {
  it('builds its tables on SharedArrayBuffers when asked, and a matcher given them finds what a fresh build finds', () => {
    const patterns = canaries.map((c) => Buffer.from(c.value));
    const built = new MultiPatternMatcher(patterns, { shared: true });
    const t = built.tables;
    for (const a of [...Object.values(t.short), ...Object.values(t.long), t.meta, t.bytes]) expect(a.buffer).to.be.instanceOf(SharedArrayBuffer);
    const reused = new MultiPatternMatcher(patterns, { tables: t });
    expect(reused.tables.long.slots).to.equal(t.long.slots); // the same memory, not a copy or a rebuild
    const text = Buffer.from(`x=${canaries[7]!.value}&y=${canaries[42]!.value}${canaries[42]!.value}`);
    expect(reused.scan(text)).to.deep.equal(new MultiPatternMatcher(patterns).scan(text));
    expect(reused.scan(text)).to.have.length(3);
  });

  it('a finder for workers builds shared tables once; its pool\'s threads use them and find the same', async () => {
    const finder = new LeakFinder({ canaries, workers: 2 });
    const tables = finder.matcherTables!;
    expect(tables.long.filter.buffer).to.be.instanceOf(SharedArrayBuffer);
    const pool = new ScanPool({ workers: 2, finder: { canaries, matcherTables: tables } });
    await pool.start();
    try {
      const flow = makeFlow({ body: `{"u":"https://a.example/?phc=${canaries[3]!.value}"}` });
      const scan = await pool.scan(flow, [{ label: 'body', bytes: Buffer.from(`{"u":"https://a.example/?phc=${canaries[3]!.value}"}`) }]);
      expect(scan.findings.map((f) => [f.canary, f.chain.join(' › ')])).to.deep.equal([[3, 'body › json.u › query[phc]']]);
    } finally {
      await pool.stop();
    }
    // And addAll on workers gives what one thread gives.
    const flows = canaries.slice(0, 10).map((c, i) => makeFlow({ id: `f${i}`, query: `phc=${c.value}` }));
    const one = new LeakFinder({ canaries });
    await one.addAll(flows);
    await finder.addAll(flows);
    expect(finder.result().findings.map((f) => f.canary.value)).to.deep.equal(one.result().findings.map((f) => f.canary.value));
  });
});
