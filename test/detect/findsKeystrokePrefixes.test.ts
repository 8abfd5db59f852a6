import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { LeakFinder, keystrokeCanaries, type Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const typed = 'q7zk2x phonehome';
const visit: Visit = { id: 'v1', device: 'sim-1', browser: 'mint', mode: 'normal', url: 'https://news.example.com/', canaries: [], t0: 1_700_000_000_000, t1: 1_700_000_060_000, typedLetterByLetter: [typed] };

describe('detect: keystroke-prefix canaries (typing letter by letter)', () => {
  it('makes one canary per prefix from the minimum length on, by code point, and refuses a minimum the matcher cannot search', () => {
    const c = keystrokeCanaries(typed, { visitId: 'v1' });
    expect(c.map((x) => x.value)).to.deep.equal(Array.from({ length: typed.length - 3 }, (_, i) => typed.slice(0, i + 4)));
    expect(c.every((x) => x.kind === 'keystroke-prefix' && x.typed === typed && x.visitId === 'v1')).to.equal(true);
    expect(keystrokeCanaries('ab😀cd', { minLength: 4 }).map((x) => x.value)).to.deep.equal(['ab😀c', 'ab😀cd']);
    expect(keystrokeCanaries(typed, { minLength: 10 })[0]!.value).to.equal('q7zk2x pho');
    expect(() => keystrokeCanaries(typed, { minLength: 3 })).to.throw(/minLength must be a whole number >= 4/);
  });

  it('reports, for each autocomplete request, the longest prefix it carries, named with its length', async () => {
    const finder = new LeakFinder({ visits: [visit] });
    const flows = [];
    for (let n = 1; n <= typed.length; n++) flows.push(makeFlow({ host: 'suggest.search.example', path: '/complete', query: `client=mint&q=${encodeURIComponent(typed.slice(0, n))}`, startedAt: visit.t0 + n * 200 }));
    await finder.addAll(flows);
    const { findings } = finder.result();
    // Keystrokes 1-3 carry prefixes under the minimum: no finding; every later one exactly one.
    expect(findings.map((f) => f.canary.value)).to.deep.equal(Array.from({ length: typed.length - 3 }, (_, i) => typed.slice(0, i + 4)));
    expect(findings.every((f) => f.party === 'third-party' && f.canary.visitId === 'v1' && f.chain.join(' › ') === 'query[q]')).to.equal(true);
    expect(findings[3]!.form).to.equal(`${typed.slice(0, 7)} (keystroke prefix 7/${typed.length} of '${typed}')`);
  });

  it('finds a prefix under further encodings once, from the deepest layer', async () => {
    const finder = new LeakFinder({ visits: [visit] });
    const body = JSON.stringify({ d: gzipSync(JSON.stringify({ input: typed.slice(0, 9), t: 3 })).toString('base64') });
    const scan = await finder.scanFlow(makeFlow({ host: 'log.vendor.example', body }));
    expect(scan.findings.map((f) => [f.canary.value, f.chain.join(' › ')])).to.deep.equal([[typed.slice(0, 9), 'body › json.d › base64 › gzip (magic) › json.input']]);
  });

  it('a visit whose typed prefix reached a third party is leaked', async () => {
    const finder = new LeakFinder({ visits: [visit] });
    await finder.add(makeFlow({ host: 'suggest.search.example', query: `q=${encodeURIComponent(typed.slice(0, 5))}`, startedAt: visit.t0 + 1000 }));
    const f = finder.result().findings;
    expect(f).to.have.length(1);
    expect(f[0]!.canary).to.include({ kind: 'keystroke-prefix', value: 'q7zk2', visitId: 'v1' });
    expect(f[0]!.confidence).to.equal('high');
  });
});
