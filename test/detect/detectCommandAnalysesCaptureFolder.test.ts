import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../harness/cli/main.js';
import { MarkerWriter } from '../../harness/capture/index.js';
import type { Flow } from '../../harness/capture/types.js';
import { deviceIdentifiersMarker, newVisitCanaries } from '../../harness/detect/index.js';
import type { Visit } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const T = Date.UTC(2026, 0, 5, 10, 0, 0);

describe('phonehome detect DIR', () => {
  let tmp: string;
  let dir: string;
  let visit: Visit;
  let token: string;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-detect-cli-'));
    dir = path.join(tmp, 'cap');
    mkdirSync(path.join(dir, 'bodies'), { recursive: true });
    const fresh = newVisitCanaries('v1', 'https://www.example.com/news', { placement: 'path' });
    token = fresh.token;
    visit = { id: 'v1', device: 'sim-1', browser: 'mint', mode: 'incognito', url: fresh.url, canaries: fresh.canaries, t0: T + 1000, t1: T + 2000 };
    const markers = new MarkerWriter(dir);
    markers.write({ time: T, kind: 'capture-start' });
    for (let t = T + 1000; t < T + 20_000; t += 1000) markers.write({ time: t, kind: 'capture-heartbeat' });
    markers.write({ time: T + 20_000, kind: 'capture-stop' });
    markers.write(deviceIdentifiersMarker('sim-1', { imei: { value: '867530912345671' }, androidId: { unavailable: 'no permission' }, model: { value: 'Redmi Note 8' } }, T + 500));
    markers.write({ time: T + 1000, kind: 'visit-start', visitId: 'v1', data: visit as unknown as Record<string, unknown> });
    markers.write({ time: T + 2000, kind: 'visit-end', visitId: 'v1' });
    await markers.close();
    // A large body goes to bodies/, as the sidecar stores it.
    const big = gzipSync(JSON.stringify({ events: [{ url: visit.url, imei: '867530912345671', model: 'Redmi Note 8' }], pad: randomBytes(150_000).toString('base64') }));
    writeFileSync(path.join(dir, 'bodies', 'f2.req'), big);
    const flows: Flow[] = [
      makeFlow({ id: 'f1', host: 'www.example.com', path: new URL(visit.url).pathname, startedAt: T + 1100 }),
      { ...makeFlow({ id: 'f2', host: 'tracking.intl.miui.com', path: '/track/v1', startedAt: T + 1500, headers: [['Content-Encoding', 'gzip']] }), request: { headers: [['Content-Encoding', 'gzip']], body: { size: big.length, file: 'bodies/f2.req' } } },
    ];
    writeFileSync(path.join(dir, 'flows.jsonl'), flows.map((f) => JSON.stringify(f)).join('\n') + '\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints findings and verdicts from the folder markers, and exits 1 on a leak', async () => {
    const r = recorder();
    expect(await main(['detect', dir], r.io)).to.equal(1);
    const text = r.out.join('\n');
    expect(text).to.match(/^2 flows \(0\.\d+ MB\), \d+ canaries, 1 visits/);
    expect(text).to.match(/visit-token:ph\w+ +first-party +www\.example\.com +\/news\/ph\w+ +path/);
    expect(text).to.match(/visit-url:\S+ +third-party +tracking\.intl\.miui\.com +\/track\/v1 +body › gzip \(declared\) › json\.events\[0\]\.url +.*\[https:\/\/www\.example\.com\/news\/ph\w+\]/);
    expect(text).to.match(/imei:867530912345671 +third-party +tracking\.intl\.miui\.com/);
    expect(text).to.match(/v1 +leaked to tracking\.intl\.miui\.com/);
    expect(r.err).to.deep.equal([]);
  });

  it('prints one JSON object per finding with --json', async () => {
    const r = recorder();
    expect(await main(['detect', dir, '--json'], r.io)).to.equal(1);
    const findings = r.out.map((l) => JSON.parse(l));
    expect(findings.length).to.be.greaterThanOrEqual(3);
    const imei = findings.find((f) => f.canary.kind === 'imei');
    expect(imei).to.include({ flowId: 'f2', host: 'tracking.intl.miui.com', path: '/track/v1', party: 'third-party' });
    expect(imei.chain).to.deep.equal(['body', 'gzip (declared)', 'json.events[0].imei']);
    expect(imei.excerpt.text.slice(imei.excerpt.start, imei.excerpt.end)).to.equal('867530912345671');
    expect(imei.context).to.deep.equal(['model: Redmi Note 8']);
    expect(findings.some((f) => f.canary.value === token && f.flowId === 'f1')).to.equal(true);
  });

  it('takes canaries from --canary and --visits too, and exits 0 when nothing leaked', async () => {
    const visitsFile = path.join(tmp, 'visits.jsonl');
    const other = newVisitCanaries('v9', 'https://shop.example.org/');
    writeFileSync(visitsFile, JSON.stringify({ ...visit, id: 'v9', url: other.url, canaries: other.canaries }) + '\n');
    const r = recorder();
    expect(await main(['detect', dir, '--visits', visitsFile, '--canary', 'phonehome-never-sent', '--json'], r.io)).to.equal(1); // v1 from the markers still leaked
    expect(r.out.map((l) => JSON.parse(l).canary.visitId)).to.not.include('v9');
    const clean = path.join(tmp, 'clean');
    mkdirSync(clean);
    writeFileSync(path.join(clean, 'flows.jsonl'), JSON.stringify(makeFlow({ host: 'a.example.net', query: 'x=1' })) + '\n');
    const r2 = recorder();
    expect(await main(['detect', clean, '--canary', 'imei:867530912345671', '--canary', 'phonehome-never-sent'], r2.io)).to.equal(0);
    expect(r2.out.join('\n')).to.match(/No canary found in any flow/);
  });

  it('answers bad input with one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['detect', path.join(tmp, 'missing')], /capture folder .*missing does not exist/],
      [['detect', path.join(tmp, 'clean')], /no canaries: .* pass --canary, --visits or --identifiers/],
      [['detect', dir, '--canary', 'imei:123'], /canary imei '123' is not an IMEI/],
      [['detect', dir, '--grace', 'soon'], /--grace must be a number/],
      [['detect'], /give exactly one capture folder/],
    ];
    const badVisits = path.join(tmp, 'bad.jsonl');
    writeFileSync(badVisits, '{"id":"a","url":"https://x.example/","t0":1,"t1":2,"canaries":[]}\n{"id":"b","url":"https://x.example/","t0":5}\n');
    cases.push([['detect', dir, '--visits', badVisits], /bad\.jsonl line 2: visit field 't1' must be a time/]);
    for (const [argv, message] of cases) {
      const r = recorder();
      expect(await main(argv, r.io), argv.join(' ')).to.equal(2);
      expect(r.err, argv.join(' ')).to.have.length(1);
      expect(r.err[0]).to.match(message);
    }
  });

  it('--workers N scans on N threads with the same output, and refuses a bad N in one line', async () => {
    const one = recorder();
    const two = recorder();
    expect(await main(['detect', dir, '--json'], one.io)).to.equal(1);
    expect(await main(['detect', dir, '--json', '--workers', '2'], two.io)).to.equal(1);
    expect(two.out).to.deep.equal(one.out);
    for (const bad of ['0', '1.5', 'many', '65']) {
      const r = recorder();
      expect(await main(['detect', dir, '--workers', bad], r.io), bad).to.equal(2);
      expect(r.err).to.have.length(1);
      expect(r.err[0]).to.match(/--workers must be a whole number from 1 to 64, got/);
    }
  });
});
