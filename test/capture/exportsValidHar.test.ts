import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import type { Har } from 'har-format';
import { CaptureSidecar, ProxyTunnelAgent, captureToHar } from '../../harness/capture/index.js';
import { main } from '../../harness/cli/main.js';
import { flowsWhen, httpViaProxy, request, tempDir, webSocketRoundTrip } from './captureTestKit.js';

// har-validator is CommonJS without types.
const harValidator = createRequire(import.meta.url)('har-validator/lib/promise') as { har: (data: unknown) => Promise<unknown> };

describe('phonehome har', function () {
  let tmp: ReturnType<typeof tempDir>;
  let out: string;
  const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10]);
  const gz = gzipSync('{"search_word":"canary-har"}');

  before(async () => {
    tmp = tempDir('har');
    out = path.join(tmp.dir, 'cap');
    const sidecar = new CaptureSidecar({ out, port: 0, home: path.join(tmp.dir, 'home') });
    await sidecar.start();
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem });
    await httpViaProxy(sidecar.port, 'http://site.example/page?q=a%20b&x', { headers: { accept: 'text/html' } });
    await request(true, { host: 'api.example', port: 443, method: 'POST', path: '/bin', agent, headers: { 'content-type': 'application/octet-stream' } }, binary);
    await request(true, { host: 'api.example', port: 443, method: 'POST', path: '/gz', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }, gz);
    await webSocketRoundTrip(sidecar.port, 'ws://ws.example/chat', 'ws text');
    await flowsWhen(out, () => true, 4);
    agent.destroy();
    await sidecar.stop();
  });
  after(() => tmp.remove());

  it('writes HAR 1.2 that validates against the HAR schema and keeps the bodies', async () => {
    const file = path.join(tmp.dir, 'traffic.har');
    const err: string[] = [];
    const code = await main(['har', out, '--out', file], { out: () => {}, err: (l) => err.push(l) });
    expect(code, err.join('\n')).to.equal(0);
    const har = JSON.parse(readFileSync(file, 'utf8')) as Har;
    await harValidator.har(har); // throws with the schema errors if invalid
    expect(har.log.version).to.equal('1.2');
    expect(har.log.entries).to.have.length(4);

    const page = har.log.entries.find((e) => e.request.url === 'http://site.example/page?q=a%20b&x')!;
    expect(page.request.queryString).to.deep.equal([{ name: 'q', value: 'a b' }, { name: 'x', value: '' }]);
    expect(page.response.content.text).to.match(/phonehome capture sink/);

    const bin = har.log.entries.find((e) => e.request.url === 'https://api.example/bin')!;
    const binPost = bin.request.postData as { text: string; encoding?: string };
    expect(binPost.encoding).to.equal('base64');
    expect(Buffer.from(binPost.text, 'base64').equals(binary)).to.equal(true);

    const gzEntry = har.log.entries.find((e) => e.request.url === 'https://api.example/gz')!;
    const gzPost = gzEntry.request.postData as { text: string; encoding?: string };
    expect(gzPost.encoding).to.equal('base64');
    expect(gunzipSync(Buffer.from(gzPost.text, 'base64')).toString()).to.equal('{"search_word":"canary-har"}');

    const ws = har.log.entries.find((e) => e.request.url === 'ws://ws.example/chat') as unknown as { _webSocketMessages: Array<{ type: string; data: string }> };
    expect(ws._webSocketMessages.map((m) => [m.type, m.data])).to.deep.equal([['send', 'ws text'], ['receive', 'ws text']]);
  });

  it('gives the same HAR in memory as on stdout', async () => {
    const lines: string[] = [];
    expect(await main(['har', out], { out: (l) => lines.push(l), err: () => {} })).to.equal(0);
    const fromCli = JSON.parse(lines.join('\n')) as Har;
    const inMemory = await captureToHar(out);
    expect(fromCli.log.entries.map((e) => e.request.url).sort()).to.deep.equal(inMemory.log.entries.map((e) => e.request.url).sort());
  });

  it('refuses a folder that is not a capture, naming it, exit 2', async () => {
    const err: string[] = [];
    expect(await main(['har', path.join(tmp.dir, 'missing')], { out: () => {}, err: (l) => err.push(l) })).to.equal(2);
    expect(err).to.have.length(1);
    expect(err[0]).to.include(path.join(tmp.dir, 'missing'));
  });
});
