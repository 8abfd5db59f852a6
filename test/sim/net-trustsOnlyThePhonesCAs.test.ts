import { expect } from 'chai';
import { NetError, NetworkStack } from '../../sim/net/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';

describe('sim/net: TLS trusts exactly the phone\'s CA stores', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let stack: NetworkStack;

  before(async () => {
    ca = new TestCA('trust');
    proxy = new InterceptingProxy(ca);
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });
  beforeEach(() => {
    ctx = new TestPhoneContext(loadProfile('redmi-note-8-2020'));
    ctx.reverses.set(8080, proxy.port);
    ctx.setProxy('127.0.0.1:8080');
    stack = new NetworkStack(ctx, { connectTimeoutMs: 3000, responseTimeoutMs: 3000 });
  });
  afterEach(() => ctx.close());

  const telemetryLike = (trustsUserCAs: boolean) => ({
    url: 'https://sa.api.intl.miui.com/sa?project=global_browser_mini&r=GB',
    method: 'POST',
    headers: [['Content-Type', 'application/x-www-form-urlencoded']] as Array<[string, string]>,
    body: Buffer.from('gzip=1&data_list=abc'),
    trustsUserCAs,
    userAgent: 'Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Build/QKQ1.200114.002)',
    client: 'java' as const,
    logTag: 'SA.AnalyticsMessages',
  });

  it('an endpoint that ignores user CAs rejects a CA in the user store, logs it, and never retries in clear', async () => {
    ctx.cas.user.push(ca.certPem);
    const before = proxy.requests.length;
    let error: unknown;
    try {
      await stack.request(telemetryLike(false));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(NetError);
    expect((error as NetError).kind).to.equal('tls-untrusted');
    expect((error as NetError).isTrustFailure).to.equal(true);
    await proxy.waitFor(() => proxy.tlsRejections.some((r) => r.host === 'sa.api.intl.miui.com'), 3000, 'the rejected handshake');
    expect(proxy.connects).to.include('sa.api.intl.miui.com:443');
    expect(proxy.requests.length, 'no request reached the proxy, in TLS or in clear').to.equal(before);
    const line = ctx.logs.find((l) => l.tag === 'SA.AnalyticsMessages');
    expect(line?.priority).to.equal(6);
    expect(line?.message).to.contain('Trust anchor for certification path not found').and.contain('sa.api.intl.miui.com');
  });

  it('the same endpoint succeeds once that CA is in the system store (and SNI names the host)', async () => {
    ctx.cas.system.push(ca.certPem);
    const response = await stack.request(telemetryLike(false));
    expect(response.status).to.equal(200);
    const seen = proxy.requests.at(-1)!;
    expect(seen.scheme).to.equal('https');
    expect(seen.host).to.equal('sa.api.intl.miui.com');
    expect(seen.sni).to.equal('sa.api.intl.miui.com');
    expect(seen.method).to.equal('POST');
    expect(seen.body.toString()).to.equal('gzip=1&data_list=abc');
    expect(seen.headers['user-agent']).to.contain('Dalvik/2.1.0');
  });

  it('an app that opts in to user CAs trusts the user store', async () => {
    ctx.cas.user.push(ca.certPem);
    const response = await stack.request({ ...telemetryLike(true), client: 'chromium', logTag: 'chromium' });
    expect(response.status).to.equal(200);
  });

  it('reads the stores at every handshake: removing the CA takes effect at once', async () => {
    ctx.cas.system.push(ca.certPem);
    await stack.request(telemetryLike(false));
    ctx.cas.system.length = 0;
    const error = await stack.request(telemetryLike(false)).then(() => null, (e: unknown) => e);
    expect((error as NetError).kind).to.equal('tls-untrusted');
  });

  it('a certificate from a trusted CA for another name fails as a name mismatch', async () => {
    ctx.cas.system.push(ca.certPem);
    const other = new TestCA('other');
    try {
      // A proxy that answers every SNI with a certificate for a different host.
      const wrong = new InterceptingProxy(other);
      (wrong as unknown as { ca: { contextFor: (h: string) => unknown } }).ca = { contextFor: () => ca.contextFor('not-the-host.example') };
      await wrong.start();
      ctx.reverses.set(8081, wrong.port);
      ctx.setProxy('127.0.0.1:8081');
      const error = await stack.request(telemetryLike(false)).then(() => null, (e: unknown) => e);
      expect((error as NetError).kind).to.equal('tls-name-mismatch');
      expect((error as NetError).chromiumName).to.equal('ERR_CERT_COMMON_NAME_INVALID');
      await wrong.stop();
    } finally {
      other.remove();
    }
  });

  it('an empty trust store trusts nothing (not the host machine\'s roots)', async () => {
    const error = await stack.request(telemetryLike(false)).then(() => null, (e: unknown) => e);
    expect((error as NetError).kind).to.equal('tls-untrusted');
  });
});
