import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import type { Flow } from '../../harness/capture/types.js';
import { findLeaks, LeakFinder, type Canary, type LeakReport, type Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const T = 1_700_000_000_000;
const visit: Visit = {
  id: 'v1',
  device: 'sim-1',
  browser: 'mint',
  mode: 'incognito',
  url: 'https://news.example.com/story?phc=phq7k2m4x9z3w8r1t5',
  canaries: [{ kind: 'visit-token', value: 'phq7k2m4x9z3w8r1t5' }],
  searchTerms: ['Cheap Flights zq4k7m2x'],
  t0: T,
  t1: T + 1000,
};
const identifiers: Canary[] = [
  { kind: 'imei', value: '867530912345671' },
  { kind: 'phone-number', value: '+8613800138000' },
  { kind: 'model', value: 'Redmi Note 8' },
];

/** Flows with leaks in several encodings, clean flows, and flows the detector must report undecodable. */
function flows(): Flow[] {
  const out: Flow[] = [makeFlow({ id: 'visit', host: 'news.example.com', path: '/story', query: 'phc=phq7k2m4x9z3w8r1t5', startedAt: T + 10 })];
  for (let i = 0; i < 60; i++) {
    const event = JSON.stringify({ url: visit.url, imei: '867530912345671', model: 'Redmi Note 8', n: i, pad: 'x'.repeat(i * 50) });
    const kind = i % 6;
    const body =
      kind === 0 ? gzipSync(event)
      : kind === 1 ? Buffer.from(`crc=1&data_list=${encodeURIComponent(gzipSync(event).toString('base64'))}`)
      : kind === 2 ? Buffer.from(JSON.stringify({ tel: '+86 138 0013 8000', q: 'cheap+flights+zq4k7m2x' }))
      : kind === 3 ? gzipSync(event).subarray(0, 20) // truncated: undecodable
      : kind === 4 ? Buffer.from(JSON.stringify({ clean: true, n: i }))
      : Buffer.from(Buffer.from(event).toString('hex'));
    const headers: Array<[string, string]> = kind === 0 || kind === 3 ? [['Content-Encoding', 'gzip']] : [];
    out.push(makeFlow({ id: `f${i}`, host: i % 2 ? 'sa.api.intl.miui.com' : 'news.example.com', body, headers, startedAt: T + 100 + i }));
  }
  return out;
}

function comparable(r: LeakReport) {
  return { ...r, findings: r.findings.map((f) => ({ ...f, canary: `${f.canary.kind}:${f.canary.value}:${f.canary.visitId ?? ''}` })) };
}

describe('detect: scanning on worker threads gives the same report as one thread', () => {
  it('same findings, in the same order, same undecodable parts, same party', async function () {
    this.timeout(30_000);
    const options = { visits: [visit], canaries: identifiers };
    const one = await findLeaks(flows(), options);
    const two = await findLeaks(flows(), { ...options, workers: 2 });
    expect(one.findings.length).to.be.greaterThan(60);
    expect(one.undecodable.length).to.be.greaterThan(5);
    expect(one.findings.some((f) => f.party === 'first-party') && one.findings.some((f) => f.party === 'third-party')).to.equal(true);
    expect(comparable(two)).to.deep.equal(comparable(one));
    // Findings point at the finder's own canary objects, as on one thread.
    const finder = new LeakFinder({ ...options, workers: 2 });
    await finder.addAll(flows());
    for (const f of finder.result().findings) expect(finder.canaries).to.include(f.canary);
  });

  it('rejects a worker count that is not a whole number >= 1, naming the option', () => {
    expect(() => new LeakFinder({ canaries: identifiers, workers: 0 })).to.throw(/workers must be a whole number >= 1, got 0/);
    expect(() => new LeakFinder({ canaries: identifiers, workers: 1.5 })).to.throw(/workers must be a whole number >= 1, got 1.5/);
  });
});
