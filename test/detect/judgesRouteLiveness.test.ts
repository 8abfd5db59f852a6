import { expect } from 'chai';
import { HEARTBEAT_MS, type Marker } from '../../harness/capture/types.js';
import { ROUTE_PROBE_INTERVAL_MS } from '../../harness/capture/index.js';
import { analyseCapture, computeVerdicts, identifierVerdict, MAX_ROUTE_GAP_MS, newVisitCanaries, routeCoverage, routeFailures, type Finding, type Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';
import { failedProbe, probeFlows, probeTimes } from './routeFixtures.js';

const T = 1_700_000_000_000;
const iso = (t: number) => new Date(t).toISOString();

function heartbeats(from: number, to: number): Marker[] {
  const out: Marker[] = [{ time: from, kind: 'capture-start' }];
  for (let t = from + HEARTBEAT_MS; t < to; t += HEARTBEAT_MS) out.push({ time: t, kind: 'capture-heartbeat' });
  out.push({ time: to, kind: 'capture-stop' });
  return out;
}

function visit(id: string, host: string, t0: number, t1: number): Visit {
  const v = newVisitCanaries(id, `https://${host}/`);
  return { id, device: 'sim-1', browser: 'mint', mode: 'normal', url: v.url, canaries: v.canaries, t0, t1 };
}

function pageFinding(v: Visit): Finding {
  return { canary: v.canaries[0]!, flowId: `page-${v.id}`, host: new URL(v.url).hostname, path: '/', party: 'first-party', chain: ['query'], excerpt: { text: 'x', start: 0, end: 1 }, confidence: 'high' };
}

function reasonsOf(verdict: { verdict: string; reasons?: string[] }): string {
  return verdict.verdict === 'unobservable' ? verdict.reasons!.join('\n') : verdict.verdict;
}

describe('detect: route liveness (what travelled the phone\'s route, not a timer)', () => {
  it('covered while probes arrive at least every MAX_ROUTE_GAP_MS through the window and one after it', () => {
    const samples = probeTimes(T, T + 20_000);
    expect(routeCoverage(samples, [], T + 3000, T + 9000)).to.deep.equal({ covered: true });
    // One probe lost (under load, a 4 s gap) is tolerated; MAX_ROUTE_GAP_MS is 2.5 intervals.
    expect(MAX_ROUTE_GAP_MS).to.equal(2.5 * ROUTE_PROBE_INTERVAL_MS);
    expect(routeCoverage(probeTimes(T, T + 20_000, [T + 6000, T + 6000]), [], T + 3000, T + 9000).covered).to.equal(true);
    // No probe after the window's end: the route is unproven up to it.
    const cut = routeCoverage(probeTimes(T, T + 8000), [], T + 3000, T + 9000);
    expect(cut).to.deep.equal({ covered: false, reason: `the phone's route to the capture was silent from ${iso(T + 8000)} to ${iso(T + 9000)}: nothing from the phone reached the capture after ${iso(T + 8000)}, route probes included` });
    // Nothing at all.
    expect(routeCoverage([], [], T, T + 1000)).to.deep.equal({ covered: false, reason: `the phone's route to the capture was silent from ${iso(T)} to ${iso(T + 1000)}: nothing from the phone reached the capture in that time, route probes included` });
  });

  it('a silence inside the window is named with its start and end, whatever the heartbeats say', () => {
    const samples = probeTimes(T, T + 30_000, [T + 8000, T + 16_000]);
    const gap = routeCoverage(samples, [], T + 5000, T + 20_000);
    expect(gap).to.deep.equal({ covered: false, reason: `the phone's route to the capture was silent from ${iso(T + 6000)} to ${iso(T + 18_000)} (nothing from the phone reached the capture for 12.0 s, route probes included)` });
    // A stale sample before the window does not vouch for its start; the window's start is the reference.
    expect(routeCoverage([T, T + 12_000, T + 14_000], [], T + 10_000, T + 13_000).covered).to.equal(true);
    expect(routeCoverage([T, T + 16_000], [], T + 10_000, T + 13_000).covered).to.equal(false);
  });

  it('a failed probe in the window is proof the route was down then; a timed-out one only leaves a gap', () => {
    const samples = probeTimes(T, T + 20_000);
    const failures = [{ time: T + 6000, error: 'the connection closed before any answer' }];
    expect(routeCoverage(samples, failures, T + 3000, T + 9000)).to.deep.equal({
      covered: false,
      reason: `the phone's route to the capture failed at ${iso(T + 6000)}: a probe the phone sent through its proxy route did not arrive (the connection closed before any answer)`,
    });
    expect(routeCoverage(samples, failures, T + 7000, T + 9000).covered, 'a failure before the window').to.equal(true);
    const timedOut: Marker = { ...failedProbe(T + 6000, 'no answer within 5000 ms'), data: { ok: false, error: 'no answer within 5000 ms', timedOut: true } };
    expect(routeFailures([timedOut, failedProbe(T + 8000, 'closed')])).to.deep.equal([{ time: T + 8000, error: 'closed' }]);
  });

  it('a visit whose page reached the capture, with healthy heartbeats, is unobservable when the route went silent after the page', async () => {
    const v = visit('v', 'a.example.com', T + 10_000, T + 12_000);
    const markers = heartbeats(T, T + 40_000);
    const page = makeFlow({ host: 'a.example.com', path: '/', query: v.url.split('?')[1], startedAt: T + 10_200 });
    // Probes stop arriving at T + 10 s (the tunnel is cut); the heartbeat timer beats on.
    const before = await analyseCapture({ visits: [v], flows: [page, ...probeFlows(T, T + 40_000)], blindSpots: [], markers });
    expect(before.verdicts[0]!.verdict).to.equal('not-leaked');
    const cut = await analyseCapture({ visits: [v], flows: [page, ...probeFlows(T, T + 10_000)], blindSpots: [], markers });
    expect(reasonsOf(cut.verdicts[0] as never)).to.equal(`the phone's route to the capture was silent from ${iso(T + 10_200)} to ${iso(T + 14_000)}: nothing from the phone reached the capture after ${iso(T + 10_200)}, route probes included`);
    // The failed probes the harness recorded say why.
    const failed = await analyseCapture({ visits: [v], flows: [page, ...probeFlows(T, T + 10_000)], blindSpots: [], markers: [...markers, failedProbe(T + 12_000, "the phone could not connect to its proxy port: closed")] });
    expect(reasonsOf(failed.verdicts[0] as never)).to.match(new RegExp(`^the phone's route to the capture failed at ${iso(T + 12_000).replace(/\./g, '\\.')}: a probe the phone sent through its proxy route did not arrive \\(the phone could not connect to its proxy port: closed\\)$`));
  });

  it('route probes are no finding and no first-party page: a visit still needs its own page request', async () => {
    const v = visit('v', 'b.example.com', T + 10_000, T + 12_000);
    const a = await analyseCapture({ visits: [v], flows: probeFlows(T, T + 40_000), blindSpots: [], markers: heartbeats(T, T + 40_000) });
    expect(a.findings).to.deep.equal([]);
    expect(reasonsOf(a.verdicts[0] as never)).to.match(/^the visited page itself \(https:\/\/b\.example\.com\/\?phc=\w+\) never reached the capture between /);
  });

  it('an error page on screen makes its visit unobservable with the code and text, and blinds no earlier visit', () => {
    const early = visit('early', 'a.example.com', T + 1000, T + 2000);
    const failed: Visit = { ...visit('failed', 'b.example.com', T + 20_000, T + 21_000), errorPage: { code: 'ERR_PROXY_CONNECTION_FAILED', text: 'No internet There is something wrong with the proxy server ERR_PROXY_CONNECTION_FAILED' } };
    const verdicts = computeVerdicts({ visits: [early, failed], findings: [early, failed].map(pageFinding), blindSpots: [], markers: heartbeats(T, T + 60_000), routeSamples: probeTimes(T, T + 60_000) });
    expect(verdicts[0]!.verdict).to.equal('not-leaked');
    expect(reasonsOf(verdicts[1] as never)).to.match(/^error-page for b\.example\.com at .*: the browser showed its network error page ERR_PROXY_CONNECTION_FAILED instead of the page \('No internet There is something wrong with the proxy server ERR_PROXY_CONNECTION_FAILED'\)/);
  });
});

describe('detect: identifiers need the same evidence as visits', () => {
  const label = 'imei 867530912345678 of sim-1';
  const base = { label, value: '867530912345678', findings: [], blindSpots: [], from: T, to: T + 30_000 };

  it('not-leaked only with heartbeats and the phone\'s route alive over the whole window', () => {
    expect(identifierVerdict({ ...base, markers: heartbeats(T, T + 31_000), routeSamples: probeTimes(T, T + 31_000) })).to.deep.equal({ verdict: 'not-leaked', reasons: [] });
  });

  it('unobservable on heartbeats alone: the route silent mid-run names when, and the identifier', () => {
    const v = identifierVerdict({ ...base, markers: heartbeats(T, T + 31_000), routeSamples: probeTimes(T, T + 31_000, [T + 10_000, T + 20_000]) });
    expect(v).to.deep.equal({
      verdict: 'unobservable',
      reasons: [`the phone's route to the capture was silent from ${iso(T + 8000)} to ${iso(T + 22_000)} (nothing from the phone reached the capture for 14.0 s, route probes included), so ${label} may have been sent unseen`],
    });
    const failed = identifierVerdict({ ...base, markers: [...heartbeats(T, T + 31_000), failedProbe(T + 15_000, 'the connection closed before any answer')], routeSamples: probeTimes(T, T + 31_000) });
    expect(failed.verdict).to.equal('unobservable');
    expect(failed.reasons.join('\n')).to.contain(`failed at ${iso(T + 15_000)}`);
  });

  it('leaked when found, whatever else; unreadable is unobservable; a capture gap is named too', () => {
    const finding = { canary: { kind: 'imei', value: base.value }, flowId: 'f', host: 't.example.net', path: '/', party: 'third-party', chain: ['query'], excerpt: { text: 'x', start: 0, end: 1 } } as Finding;
    expect(identifierVerdict({ ...base, findings: [finding], markers: [], routeSamples: [] }).verdict).to.equal('leaked');
    expect(identifierVerdict({ ...base, value: undefined, markers: heartbeats(T, T + 31_000), routeSamples: probeTimes(T, T + 31_000) })).to.deep.equal({ verdict: 'unobservable', reasons: [`${label} could not be read, so it could not be looked for`] });
    const down = identifierVerdict({ ...base, markers: heartbeats(T, T + 10_000), routeSamples: probeTimes(T, T + 31_000) });
    expect(down.reasons.join('\n')).to.match(/capture not seen up after/);
  });
});
