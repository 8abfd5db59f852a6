import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { decodeContentEncoding, NetError, NetworkStack, parseHttpProxy } from '../../sim/net/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';

describe('sim/net: requests follow settings global http_proxy', function () {
  this.timeout(20000);
  let ca: TestCA;
  let proxy: InterceptingProxy;
  let ctx: TestPhoneContext;
  let stack: NetworkStack;
  const get = (url: string) => ({ url, trustsUserCAs: true, userAgent: 'TestUA/1.0', client: 'chromium' as const, logTag: 'chromium' });

  before(async () => {
    ca = new TestCA('route');
    proxy = new InterceptingProxy(ca);
    await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    ca.remove();
  });
  beforeEach(() => {
    ctx = new TestPhoneContext(loadProfile('redmi-note-8-2020'));
    ctx.cas.user.push(ca.certPem);
    stack = new NetworkStack(ctx, { connectTimeoutMs: 2000, responseTimeoutMs: 2000, maxBodyBytes: 256 * 1024 });
  });
  afterEach(() => ctx.close());

  it('parses host:port, treats :0, empty and unset as no proxy, and flags junk', () => {
    expect(parseHttpProxy('127.0.0.1:8080')).to.deep.equal({ kind: 'proxy', address: { host: '127.0.0.1', port: 8080 } });
    expect(parseHttpProxy('proxy.lan:3128')).to.deep.equal({ kind: 'proxy', address: { host: 'proxy.lan', port: 3128 } });
    expect(parseHttpProxy('[::1]:8080')).to.deep.equal({ kind: 'proxy', address: { host: '::1', port: 8080 } });
    for (const none of [undefined, '', ':0', 'null']) expect(parseHttpProxy(none)).to.deep.equal({ kind: 'none' });
    for (const junk of ['127.0.0.1', 'host:99999', 'http://x:1', 'a b:1']) expect(parseHttpProxy(junk).kind).to.equal('invalid');
  });

  it('without a proxy a remote host fails as "no internet", is logged, and nothing connects', async () => {
    const error = await stack.request(get('http://example.com/')).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(NetError);
    expect((error as NetError).kind).to.equal('no-network');
    expect((error as NetError).chromiumName).to.equal('ERR_INTERNET_DISCONNECTED');
    expect(ctx.localConnects).to.deep.equal([]);
    expect(ctx.logs.some((l) => l.priority === 6 && l.message.includes('ERR_INTERNET_DISCONNECTED') && l.message.includes('http://example.com/'))).to.equal(true);
  });

  it('a 127.0.0.1 proxy is reached through the phone loopback (adb reverse) with an absolute-form request', async () => {
    ctx.reverses.set(8888, proxy.port);
    ctx.setProxy('127.0.0.1:8888');
    const response = await stack.request({ ...get('http://shop.example:8000/p?q=1'), method: 'POST', headers: [['X-Probe', 'yes']], body: Buffer.from('hello') });
    expect(response.status).to.equal(200);
    expect(ctx.localConnects).to.deep.equal([8888]);
    const seen = proxy.requests.at(-1)!;
    expect(seen.url).to.equal('http://shop.example:8000/p?q=1');
    expect(seen.headers.host).to.equal('shop.example:8000');
    expect(seen.headers['x-probe']).to.equal('yes');
    expect(seen.headers['user-agent']).to.equal('TestUA/1.0');
    expect(seen.rawHeaders[0]).to.equal('Host');
    expect(seen.body.toString()).to.equal('hello');
  });

  it('HTTPS goes through CONNECT to the proxy, then TLS with SNI', async () => {
    ctx.reverses.set(8888, proxy.port);
    ctx.setProxy('127.0.0.1:8888');
    const response = await stack.request(get('https://www.example.org/path?x=y'));
    expect(response.status).to.equal(200);
    expect(proxy.connects.at(-1)).to.equal('www.example.org:443');
    expect(proxy.requests.at(-1)).to.include({ scheme: 'https', host: 'www.example.org', url: 'https://www.example.org/path?x=y', sni: 'www.example.org' });
  });

  it('setting the proxy to :0 turns it off again at once', async () => {
    ctx.reverses.set(8888, proxy.port);
    ctx.setProxy('127.0.0.1:8888');
    await stack.request(get('http://a.example/'));
    ctx.setProxy(':0');
    const error = await stack.request(get('http://a.example/')).then(() => null, (e: unknown) => e);
    expect((error as NetError).kind).to.equal('no-network');
  });

  it('a proxy port with no adb reverse behind it fails as ERR_PROXY_CONNECTION_FAILED and is logged', async () => {
    ctx.setProxy('127.0.0.1:8999');
    const error = await stack.request(get('https://sa.api.intl.miui.com/sa')).then(() => null, (e: unknown) => e);
    expect((error as NetError).kind).to.equal('proxy-unreachable');
    expect((error as NetError).chromiumName).to.equal('ERR_PROXY_CONNECTION_FAILED');
    expect(ctx.logs.at(-1)?.message).to.contain('ERR_PROXY_CONNECTION_FAILED');
  });

  it('a proxy that refuses CONNECT fails the request as a tunnel failure', async () => {
    ctx.reverses.set(8888, proxy.port);
    ctx.setProxy('127.0.0.1:8888');
    proxy.refuseConnect.set('blocked.example', 502);
    try {
      const error = await stack.request(get('https://blocked.example/')).then(() => null, (e: unknown) => e);
      expect((error as NetError).kind).to.equal('tunnel-failed');
      expect((error as NetError).message).to.contain('502');
    } finally {
      proxy.refuseConnect.clear();
    }
  });

  it('an invalid http_proxy value is ignored (as Android does) and logged', async () => {
    ctx.setProxy('not a proxy');
    const error = await stack.request(get('http://a.example/')).then(() => null, (e: unknown) => e);
    expect((error as NetError).kind).to.equal('no-network');
    expect(ctx.logs.some((l) => l.tag === 'Proxy' && l.message.includes('not a proxy'))).to.equal(true);
  });

  it('bounds the response: a body over the limit fails as too large, a silent server as a timeout', async () => {
    ctx.reverses.set(8888, proxy.port);
    ctx.setProxy('127.0.0.1:8888');
    const previous = proxy.answer;
    try {
      proxy.answer = (req) => (req.url.includes('big') ? { body: Buffer.alloc(1024 * 1024, 97) } : { hang: true });
      const big = await stack.request(get('http://a.example/big')).then(() => null, (e: unknown) => e);
      expect((big as NetError).kind).to.equal('too-large');
      const quick = new NetworkStack(ctx, { connectTimeoutMs: 2000, responseTimeoutMs: 300 });
      const t0 = Date.now();
      const slow = await quick.request(get('http://a.example/slow')).then(() => null, (e: unknown) => e);
      expect((slow as NetError).kind).to.equal('timeout');
      expect(Date.now() - t0).to.be.within(250, 2000);
    } finally {
      proxy.answer = previous;
    }
  });

  it('loopback URLs skip the proxy and reach the phone\'s own listeners', async () => {
    const origin = http.createServer((_req, res) => res.end('local'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    try {
      ctx.reverses.set(7000, (origin.address() as net.AddressInfo).port);
      ctx.setProxy('127.0.0.1:8999'); // unreachable: must not be used for loopback
      const response = await stack.request(get('http://127.0.0.1:7000/'));
      expect(response.body.toString()).to.equal('local');
      expect(ctx.localConnects).to.deep.equal([7000]);
    } finally {
      origin.close();
    }
  });

  it('undoes gzip, deflate and brotli content encodings, bounded against bombs', () => {
    const text = Buffer.from('<title>t</title>');
    expect(decodeContentEncoding(zlib.gzipSync(text), 'gzip', 1000).toString()).to.equal(text.toString());
    expect(decodeContentEncoding(zlib.deflateSync(text), 'deflate', 1000).toString()).to.equal(text.toString());
    expect(decodeContentEncoding(zlib.deflateRawSync(text), 'deflate', 1000).toString()).to.equal(text.toString());
    expect(decodeContentEncoding(zlib.brotliCompressSync(text), 'br', 1000).toString()).to.equal(text.toString());
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(() => decodeContentEncoding(bomb, 'gzip', 1024 * 1024)).to.throw(NetError, /over 1048576 bytes/);
  });
});
