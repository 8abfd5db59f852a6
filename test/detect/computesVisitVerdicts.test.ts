import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import type { BlindSpot, Marker } from '../../harness/capture/types.js';
import { HEARTBEAT_MS } from '../../harness/capture/types.js';
import { analyseCapture, captureCoverage, computeVerdicts, newVisitCanaries, VERDICT_GRACE_MS } from '../../harness/detect/index.js';
import type { Finding, Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';
import { probeFlows, probeTimes } from './routeFixtures.js';

const T = 1_700_000_000_000;

function heartbeats(from: number, to: number, skip?: [number, number]): Marker[] {
  const out: Marker[] = [{ time: from, kind: 'capture-start' }];
  for (let t = from + HEARTBEAT_MS; t < to; t += HEARTBEAT_MS) if (!skip || t < skip[0] || t > skip[1]) out.push({ time: t, kind: 'capture-heartbeat' });
  out.push({ time: to, kind: 'capture-stop' });
  return out;
}

function visit(id: string, url: string, t0: number, t1: number, searchTerms?: string[]): Visit {
  const v = newVisitCanaries(id, url, { searchTerms });
  return { id, device: 'sim-1', browser: 'mint', mode: 'incognito', url: v.url, canaries: v.canaries, t0, t1, ...(searchTerms ? { searchTerms } : {}) };
}

/** The visit's own page request, as the phone sends it through the proxy (carries the visit token). */
function pageFlow(v: Visit) {
  const u = new URL(v.url);
  return makeFlow({ host: u.hostname, path: u.pathname, query: u.search.slice(1), startedAt: v.t0 + 100 });
}

function pageFinding(v: Visit): Finding {
  return { canary: v.canaries[0]!, flowId: `page-${v.id}`, host: new URL(v.url).hostname, path: '/', party: 'first-party', chain: ['query'], excerpt: { text: 'x', start: 0, end: 1 }, confidence: 'high' };
}

describe('detect: verdicts per visit', () => {
  it('leaked when a canary reaches a third party, even minutes later; first party (and its redirects) is no leak', async () => {
    const leaky = visit('v1', 'https://www.example.com/news', T + 1000, T + 3000, ['phonehome q7zk2mx4']);
    const clean = visit('v2', 'https://shop.example.org/', T + 5000, T + 6000);
    const redirected = visit('v3', 'https://short.example.net/x', T + 8000, T + 9000);
    const payload = gzipSync(JSON.stringify([{ event: 'page_load', url: leaky.url }]));
    const flows = [
      makeFlow({ host: 'www.example.com', path: '/news', query: leaky.url.split('?')[1], startedAt: T + 1100 }),
      makeFlow({ host: 'shop.example.org', path: '/', query: clean.url.split('?')[1], startedAt: T + 5100 }),
      // The short link redirects to another registrable domain: still the visit's first party.
      makeFlow({ host: 'short.example.net', path: '/x', query: redirected.url.split('?')[1], startedAt: T + 8100, status: 302, responseHeaders: [['Location', `https://landing.example.io/page?${redirected.url.split('?')[1]}`]] }),
      makeFlow({ host: 'landing.example.io', path: '/page', query: redirected.url.split('?')[1], startedAt: T + 8200 }),
      // Batched telemetry, five minutes later.
      makeFlow({ host: 'sa.api.intl.miui.com', path: '/sa', body: `data_list=${encodeURIComponent(payload.toString('base64'))}&gzip=1`, startedAt: T + 300_000 }),
      // The phone's route stayed alive: route probes through it every 2 s.
      ...probeFlows(T, T + 301_000),
    ];
    const markers = heartbeats(T, T + 301_000);
    const a = await analyseCapture({ visits: [leaky, clean, redirected], flows, blindSpots: [], markers });
    const byVisit = Object.fromEntries(a.verdicts.map((v) => [v.visitId, v]));
    expect(byVisit.v1!.verdict).to.equal('leaked');
    expect(byVisit.v1!.verdict === 'leaked' && byVisit.v1!.hosts).to.deep.equal(['sa.api.intl.miui.com']);
    const third = a.findings.filter((f) => f.party === 'third-party');
    expect(third.map((f) => `${f.canary.kind} ${f.chain.join(' › ')} ${f.confidence}`).sort()).to.deep.equal([
      'visit-token body › form[data_list] › base64 › gzip (magic) › json[0].url › query[phc] medium',
      'visit-url body › form[data_list] › base64 › gzip (magic) › json[0].url medium',
    ]);
    expect(byVisit.v2!.verdict).to.equal('not-leaked');
    expect(byVisit.v3!.verdict).to.equal('not-leaked');
    expect(a.findings.filter((f) => f.canary.visitId === 'v3').map((f) => `${f.host} ${f.party}`).sort()).to.deep.equal([
      'landing.example.io first-party',
      'short.example.net first-party',
    ]);
  });

  it('unobservable when a heartbeat gap, a blind spot or an undecodable flow falls in the window (+ grace)', async () => {
    const gap = visit('gap', 'https://a.example.com/', T + 10_000, T + 11_000);
    const tls = visit('tls', 'https://b.example.com/', T + 30_000, T + 31_000);
    const undecodable = visit('undec', 'https://c.example.com/', T + 50_000, T + 51_000);
    const ok = visit('ok', 'https://d.example.com/', T + 70_000, T + 71_000);
    const late = visit('late', 'https://e.example.com/', T + 95_000, T + 96_000);
    const markers = heartbeats(T, T + 100_000, [T + 15_000, T + 19_000]);
    const blindSpots: BlindSpot[] = [{ id: 'b1', time: T + 38_000, reason: 'tls-rejected', host: 'sa.api.intl.miui.com' }];
    const flows = [
      ...[gap, tls, undecodable, ok, late].map(pageFlow),
      makeFlow({ host: 'x.example.net', body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), Buffer.alloc(20, 7)]), startedAt: T + 52_000 }),
      ...probeFlows(T, T + 100_000),
    ];
    // A 10 s grace: each window reaches the event placed 4-8 s after its visit.
    const a = await analyseCapture({ visits: [gap, tls, undecodable, ok, late], flows, blindSpots, markers, graceMs: 10_000 });
    const v = Object.fromEntries(a.verdicts.map((x) => [x.visitId, x]));
    const reasons = (id: string) => (v[id]!.verdict === 'unobservable' ? (v[id] as { reasons: string[] }).reasons.join('\n') : v[id]!.verdict);
    expect(reasons('gap')).to.match(/capture gap from .* \(no heartbeat for 6\.0 s\)/);
    expect(reasons('tls')).to.match(/^tls-rejected for sa\.api\.intl\.miui\.com at /);
    expect(reasons('undec')).to.match(/^undecodable for x\.example\.net \(flow flow-\d+\) at .*: body › gzip \(magic\): gzip: /);
    expect(v.ok!.verdict).to.equal('not-leaked');
    expect(reasons('late')).to.match(/capture not seen up after .*, before the window closed/);
  });

  it('by default the window closes VERDICT_GRACE_MS after the visit (the grace the report and the assertions use)', () => {
    const v = visit('v', 'https://a.example.com/', T + 1000, T + 2000);
    const judge = (captureUntil: number) => computeVerdicts({ visits: [v], findings: [pageFinding(v)], blindSpots: [], markers: heartbeats(T, captureUntil), routeSamples: probeTimes(T, T + 100_000) })[0]!.verdict;
    expect(judge(v.t1 + VERDICT_GRACE_MS + HEARTBEAT_MS)).to.equal('not-leaked');
    expect(judge(v.t1 + VERDICT_GRACE_MS - HEARTBEAT_MS)).to.equal('unobservable');
  });

  it('unobservable when a blind spot comes after the window: it may be the late batch that carried the visit', () => {
    const early = visit('early', 'https://a.example.com/', T + 1000, T + 2000);
    const afterSpot = visit('after', 'https://b.example.com/', T + 70_000, T + 71_000);
    // The batch flushes a minute later and the app refuses our certificate for it.
    const blindSpots: BlindSpot[] = [{ id: 'b', time: T + 60_000, reason: 'tls-rejected', host: 'sa.api.intl.miui.com' }];
    const verdicts = computeVerdicts({ visits: [early, afterSpot], findings: [early, afterSpot].map(pageFinding), blindSpots, markers: heartbeats(T, T + 100_000), routeSamples: probeTimes(T, T + 100_000) });
    expect(verdicts[0]!.verdict).to.equal('unobservable');
    expect((verdicts[0] as { reasons: string[] }).reasons.join('\n')).to.match(/after the visit, which could hide its batched telemetry: tls-rejected for sa\.api\.intl\.miui\.com/);
    expect(verdicts[1]!.verdict).to.equal('not-leaked');
  });

  it('a leak seen is a leak, even with the capture down', () => {
    const v = visit('v', 'https://a.example.com/', T, T + 1000);
    const verdicts = computeVerdicts({
      visits: [v],
      findings: [{ canary: v.canaries[0]!, flowId: 'f', host: 't.example.net', path: '/', party: 'third-party', chain: ['query'], excerpt: { text: 'x', start: 0, end: 1 } }],
      blindSpots: [{ id: 'b', time: T + 10, reason: 'capture-down' }],
      markers: [],
      routeSamples: [],
    });
    expect(verdicts[0]!.verdict).to.equal('leaked');
  });

  it('never says not-leaked without capture markers', () => {
    const v = visit('v', 'https://a.example.com/', T, T + 1000);
    expect(computeVerdicts({ visits: [v], findings: [], blindSpots: [], markers: [], routeSamples: [] })[0]).to.deep.equal({
      visitId: 'v',
      verdict: 'unobservable',
      reasons: [
        `the visited page itself (${v.url}) never reached the capture between ${new Date(T).toISOString()} and ${new Date(T + 1000 + VERDICT_GRACE_MS).toISOString()}: no traffic of this visit from the phone was seen, so a leak would have gone unseen too`,
        'capture health unknown: no capture-start / heartbeat markers',
        `the phone's route to the capture was silent from ${new Date(T).toISOString()} to ${new Date(T + 1000 + VERDICT_GRACE_MS).toISOString()}: nothing from the phone reached the capture in that time, route probes included`,
      ],
    });
    expect(captureCoverage(heartbeats(T, T + 5000), T + 100, T + 4900)).to.deep.equal({ covered: true });
    expect(captureCoverage(heartbeats(T + 1000, T + 5000), T, T + 2000).covered).to.equal(false);
  });

  it('unobservable when the visit\'s own page request never reached the capture, however healthy the heartbeats', async () => {
    // The issue-13 fault: the sidecar process beats on while the phone's connections to it are gone.
    const seen = visit('seen', 'https://a.example.com/', T + 1000, T + 2000);
    const lost = visit('lost', 'https://b.example.com/', T + 5000, T + 6000);
    const lateOnly = visit('lateOnly', 'https://c.example.com/', T + 10_000, T + 11_000);
    const search = visit('search', 'https://www.example.com/search?q=phonehome+k2p9x', T + 20_000, T + 21_000, ['phonehome k2p9x']);
    const flows = [
      pageFlow(seen),
      // Its page arrives a minute later (a retry after the tunnel came back): not evidence for the window.
      { ...pageFlow(lateOnly), startedAt: T + 70_000, endedAt: T + 70_010 },
      ...probeFlows(T, T + 100_000),
    ];
    const a = await analyseCapture({ visits: [seen, lost, lateOnly, search], flows, blindSpots: [], markers: heartbeats(T, T + 100_000) });
    const v = Object.fromEntries(a.verdicts.map((x) => [x.visitId, x]));
    expect(v.seen!.verdict).to.equal('not-leaked');
    for (const id of ['lost', 'lateOnly']) {
      expect(v[id]!.verdict, id).to.equal('unobservable');
      expect((v[id] as { reasons: string[] }).reasons, id).to.have.length(1);
      expect((v[id] as { reasons: string[] }).reasons[0], id).to.match(/^the visited page itself \(https:\/\/[bc]\.example\.com\/\?phc=\w+\) never reached the capture between /);
    }
    expect((v.search as { reasons: string[] }).reasons[0]).to.match(/^the search 'phonehome k2p9x' never reached the capture/);
    // A third-party finding is still a leak without the page: a leak seen is a leak.
    const leakOnly = computeVerdicts({ visits: [lost], findings: [{ ...pageFinding(lost), host: 't.example.net', party: 'third-party' }], blindSpots: [], markers: heartbeats(T, T + 100_000), routeSamples: [] });
    expect(leakOnly[0]!.verdict).to.equal('leaked');
  });
});
