import { expect } from 'chai';
import https from 'node:https';
import { brotliCompressSync, gunzipSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { CaptureSidecar, ProxyTunnelAgent, readBody } from '../../harness/capture/index.js';
import { close, flowsWhen, listen, request, selfSignedOriginCert, tempDir } from './captureTestKit.js';

describe('capture sidecar (live mode) passes through to a local origin and stores bodies raw', function () {
  let tmp: ReturnType<typeof tempDir>;
  let origin: https.Server;
  let originPort: number;
  let sidecar: CaptureSidecar;
  let agent: ProxyTunnelAgent;
  const received: Buffer[] = [];

  before(async () => {
    tmp = tempDir('live');
    const originCert = selfSignedOriginCert(tmp.dir);
    origin = https.createServer(originCert, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        const text = Buffer.from(`origin saw ${req.method} ${req.url}`);
        if (req.url?.startsWith('/br')) res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' }).end(brotliCompressSync(text));
        else res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(text));
      });
    });
    originPort = await listen(origin);
    sidecar = new CaptureSidecar({ out: `${tmp.dir}/cap`, port: 0, upstream: 'live', home: `${tmp.dir}/home`, upstreamTrustedCAs: [originCert.cert] });
    await sidecar.start();
    agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true });
  });
  after(async () => {
    agent.destroy();
    await sidecar.stop();
    await close(origin);
    tmp.remove();
  });

  it('forwards a gzip request body untouched and records gzip and brotli response bodies as sent', async () => {
    const upload = gzipSync(JSON.stringify({ url: 'https://site.example/?q=canary-77' }));
    const gz = await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, method: 'POST', path: '/gz?x=1', agent, headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } }, upload);
    const br = await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, method: 'GET', path: '/br', agent });
    expect(gz.status).to.equal(200);
    expect(gunzipSync(gz.body).toString()).to.equal('origin saw POST /gz?x=1');
    expect(brotliDecompressSync(br.body).toString()).to.equal('origin saw GET /br');
    expect(received[0]!.equals(upload)).to.equal(true);

    const flows = await flowsWhen(`${tmp.dir}/cap`, (f) => f.path === '/gz' || f.path === '/br', 2);
    const gzFlow = flows.find((f) => f.path === '/gz')!;
    const brFlow = flows.find((f) => f.path === '/br')!;
    expect(gzFlow.upstreamIp).to.equal('127.0.0.1');
    expect(gzFlow.port).to.equal(originPort);
    expect((await readBody(`${tmp.dir}/cap`, gzFlow.request.body)).equals(upload)).to.equal(true);
    // Raw: still compressed on disk, exactly the bytes the client received.
    expect((await readBody(`${tmp.dir}/cap`, gzFlow.response!.body)).equals(gz.body)).to.equal(true);
    expect((await readBody(`${tmp.dir}/cap`, brFlow.response!.body)).equals(br.body)).to.equal(true);
    expect(brFlow.response!.headers).to.deep.include(['content-encoding', 'br']);
  });

  it('records an unreachable upstream as a flow with an error', async () => {
    const closed = https.createServer();
    const deadPort = await listen(closed);
    await close(closed);
    const reply = await request(true, { host: '127.0.0.1', servername: 'localhost', port: deadPort, path: '/gone', agent }).catch((e: Error) => e);
    const flows = await flowsWhen(`${tmp.dir}/cap`, (f) => f.path === '/gone');
    const flow = flows.find((f) => f.path === '/gone');
    expect(flow, `reply was ${reply instanceof Error ? reply.message : reply.status}`).to.not.equal(undefined);
    expect(flow!.error).to.match(/upstream failed|aborted/);
  });
});
