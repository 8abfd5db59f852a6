import { expect } from 'chai';
import { NetworkStack } from '../../sim/net/index.js';
import { TelemetryEngine, type TelemetryAppState } from '../../sim/apps/telemetry/index.js';
import { loadProfile, validateProfile } from '../../sim/profiles/index.js';
import type { AppProfile, Profile, TelemetryRule } from '../../sim/profile.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';

describe('sim/apps telemetry engine: triggers, modes, batching and per-endpoint trust', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let engine: TelemetryEngine;
  let state: TelemetryAppState;
  const device = loadProfile('redmi-note-8-2020').device;

  before(async () => {
    ca = new TestCA('engine');
    proxy = new InterceptingProxy(ca);
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });
  afterEach(async () => {
    engine?.stop();
    await engine?.whenIdle();
    ctx?.close();
  });

  /** An app with the given rules, validated like a shipped profile, wired to a fresh engine. */
  function engineFor(rules: Array<Partial<TelemetryRule> & Pick<TelemetryRule, 'name' | 'when'>>, app: Partial<AppProfile> = {}) {
    const path = `/t/${Math.random().toString(36).slice(2)}`;
    const full = rules.map((r) => ({ url: `https://t.example${path}`, fields: { u: '${seq}' }, placement: { in: 'body' }, encode: ['json'], trustsUserCAs: false, ...r })) as TelemetryRule[];
    const profile = validateProfile({ name: 'engine-test', description: 'test', device, apps: [{ package: 'com.example.app', label: 'App', version: '1.0', activity: 'com.example.app.Main', telemetry: full, ...app }] } satisfies Profile, 'engine-test');
    ctx = new TestPhoneContext(profile);
    ctx.cas.system.push(ca.certPem);
    ctx.reverses.set(8080, proxy.port);
    ctx.setProxy('127.0.0.1:8080');
    state = { mode: 'normal' };
    let seq = 0;
    engine = new TelemetryEngine({
      app: profile.apps[0]!,
      device,
      net: new NetworkStack(ctx, { connectTimeoutMs: 2000, responseTimeoutMs: 2000 }),
      log: (p, t, m) => ctx.log(p, t, m),
      state: () => state,
      installId: () => 'install-1',
      pid: () => 1234,
      nextSeq: () => ++seq,
      userAgent: 'Dalvik/2.1.0',
    });
    return (suffix = '') => proxy.requests.filter((r) => r.url === `https://t.example${path}${suffix}`);
  }
  const bodies = (reqs: Array<{ body: Buffer }>) => reqs.map((r) => JSON.parse(r.body.toString()) as unknown);

  it('sends immediately without batch; a batch goes out after N events as one JSON array', async () => {
    const sent = engineFor([{ name: 'now', when: 'navigate' }, { name: 'batched', when: 'search', batch: { events: 3 }, url: 'https://t.example/b' }]);
    engine.fire('navigate', { visit: { url: 'https://a/', host: 'a' } });
    await engine.whenIdle();
    expect(bodies(sent())).to.deep.equal([{ u: 1 }]);
    engine.fire('search', { search: { query: 'q' } });
    engine.fire('search', { search: { query: 'q' } });
    await engine.whenIdle();
    expect(engine.queuedEvents()).to.equal(2);
    engine.fire('search', { search: { query: 'q' } });
    await engine.whenIdle();
    const batch = proxy.requests.filter((r) => r.url === 'https://t.example/b').at(-1)!;
    expect(JSON.parse(batch.body.toString())).to.deep.equal([{ u: 2 }, { u: 3 }, { u: 4 }]);
    expect(engine.queuedEvents()).to.equal(0);
  });

  it('a time-bounded batch arrives long after the event, or at once on flush (background / force-stop)', async () => {
    const sent = engineFor([{ name: 'late', when: 'navigate', batch: { ms: 300 } }]);
    const t0 = Date.now();
    engine.fire('navigate', { visit: { url: 'https://a/', host: 'a' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent()).to.have.length(0);
    await proxy.waitFor(() => sent().length === 1, 3000, 'the timed batch');
    expect(Date.now() - t0).to.be.at.least(280);
    engine.fire('navigate', { visit: { url: 'https://a/', host: 'a' } });
    await engine.flush();
    expect(sent()).to.have.length(2);
  });

  it('rules sharing a queue go out together in firing order', async () => {
    const sent = engineFor([
      { name: 'a', when: 'launch', fields: { e: 'launch' }, batch: { events: 50, ms: 60000, queue: 'sdk' } },
      { name: 'b', when: 'navigate', fields: { e: 'page', url: '${visit.url}' }, batch: { events: 50, ms: 60000, queue: 'sdk' } },
    ]);
    engine.fire('launch');
    engine.fire('navigate', { visit: { url: 'https://x.example/1', host: 'x.example' } });
    await engine.flush();
    expect(bodies(sent())).to.deep.equal([[{ e: 'launch' }, { e: 'page', url: 'https://x.example/1' }]]);
  });

  it('modes and the incognito-data switch decide what fires', async () => {
    const sent = engineFor(
      [
        { name: 'normal-only', when: 'navigate', modes: ['normal'], fields: { r: 'n' } },
        { name: 'switchable', when: 'navigate', silencedBySwitch: true, fields: { r: 's', m: '${mode}' } },
      ],
      { incognitoDataSwitch: { label: 'Help us improve', defaultOn: true } },
    );
    const fire = () => engine.fire('navigate', { visit: { url: 'https://a/', host: 'a' } });
    const silenced: string[] = [];
    engine.on('silenced', (e) => silenced.push(`${e.rule}:${e.why}`));
    state = { mode: 'incognito', incognitoDataSwitchOn: true };
    expect(fire()).to.equal(1);
    state = { mode: 'incognito', incognitoDataSwitchOn: false };
    expect(fire()).to.equal(0);
    state = { mode: 'normal', incognitoDataSwitchOn: false };
    expect(fire()).to.equal(2);
    await engine.whenIdle();
    expect(bodies(sent())).to.have.deep.members([{ r: 's', m: 'incognito' }, { r: 'n' }, { r: 's', m: 'normal' }]);
    expect(silenced).to.deep.equal(['normal-only:mode', 'normal-only:mode', 'switchable:switch']);
  });

  it('interval rules repeat while started and stop when stopped', async () => {
    const sent = engineFor([{ name: 'tick', when: 'interval', intervalMs: 100 }]);
    engine.startIntervals();
    await proxy.waitFor(() => sent().length >= 2, 3000, 'two ticks');
    engine.stopIntervals();
    await engine.whenIdle();
    const count = sent().length;
    await new Promise((r) => setTimeout(r, 250));
    expect(sent().length).to.equal(count);
  });

  it('each endpoint uses its own trust: a user-CA-trusting endpoint is seen, a default one is refused and reported', async () => {
    engineFor([
      { name: 'trusting', when: 'launch', url: 'https://open.example/t', trustsUserCAs: true },
      { name: 'strict', when: 'launch', url: 'https://strict.example/t', trustsUserCAs: false },
    ]);
    ctx.cas.system.length = 0;
    ctx.cas.user.push(ca.certPem);
    const failed: Array<{ rules: string[]; trustFailure: boolean }> = [];
    engine.on('failed', (e) => failed.push({ rules: e.rules, trustFailure: e.trustFailure }));
    engine.fire('launch');
    await engine.whenIdle();
    expect(proxy.requests.some((r) => r.url === 'https://open.example/t')).to.equal(true);
    expect(proxy.requests.some((r) => r.url === 'https://strict.example/t')).to.equal(false);
    expect(failed).to.deep.equal([{ rules: ['strict'], trustFailure: true }]);
  });

  it('a value its placement cannot carry is logged and dropped, not sent mangled', async () => {
    const sent = engineFor([{ name: 'hdr', when: 'navigate', placement: { in: 'header', name: 'X-Visit' }, fields: { u: '${visit.url}' } }]);
    engine.fire('navigate', { visit: { url: 'https://ü.example/', host: 'ü.example' } });
    await engine.whenIdle();
    expect(sent()).to.have.length(0);
    expect(ctx.logs.some((l) => l.tag === 'hdr' && /not a valid header value/.test(l.message))).to.equal(true);
  });
});
