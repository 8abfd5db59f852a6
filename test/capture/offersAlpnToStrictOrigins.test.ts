import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { CaptureSidecar } from '../../harness/capture/index.js';
import { close, curlViaProxy, flowsWhen, listen, selfSignedOriginCert, tempDir } from './captureTestKit.js';

/**
 * An origin that requires ALPN: it hangs up on a client that offers none (a server set to require
 * it sends no_application_protocol instead, as h2o/quicly#212 does; the client sees a failed
 * connection either way). Browsers offer ALPN on every connection, so the sidecar's upstream
 * connections must too, or such origins work without the sidecar and fail through it.
 */
describe('capture sidecar offers ALPN upstream, so origins that require it answer (live mode)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: CaptureSidecar;
  let out: string;
  let caFile: string;
  let origin: https.Server;
  let port: number;
  /** ALPN of every TLS connection the origin accepted; false: none offered (the origin hung up). */
  const offered: Array<string | false | null> = [];

  before(async () => {
    tmp = tempDir('alpn');
    const cert = selfSignedOriginCert(tmp.dir);
    origin = https.createServer({ ...cert, ALPNProtocols: ['http/1.1'] }, (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`version ${req.httpVersion}`));
    origin.on('secureConnection', (socket: TLSSocket) => {
      offered.push(socket.alpnProtocol);
      if (!socket.alpnProtocol) socket.destroy();
    });
    port = await listen(origin);
    out = path.join(tmp.dir, 'cap');
    sidecar = new CaptureSidecar({ out, port: 0, upstream: 'live', home: path.join(tmp.dir, 'home'), upstreamTrustedCAs: [cert.cert] });
    await sidecar.start();
    caFile = path.join(tmp.dir, 'capture-ca.pem');
    writeFileSync(caFile, sidecar.ca.certPem);
  });
  after(async () => {
    await sidecar.stop();
    await close(origin);
    tmp.remove();
  });

  for (const [client, args] of [['curl --http1.1', ['--http1.1']], ['curl --http2 (the origin picks http/1.1)', ['--http2']], ['curl --http1.0', ['--http1.0']]] as const) {
    it(`${client}: the upstream connection offers http/1.1 and the origin answers`, async () => {
      const id = args[0].replace(/\W/g, '');
      const before = offered.length;
      const reply = await curlViaProxy(sidecar.url, caFile, `https://localhost:${port}/v?id=${id}`, [...args]);
      expect(reply.statusLine).to.match(/^HTTP\/[\d.]+ 200/);
      expect(reply.body).to.match(/^version 1\.[01]$/);
      expect(offered.slice(before), 'every connection the origin saw had negotiated ALPN').to.not.include(false);
      const flow = (await flowsWhen(out, (f) => f.query === `id=${id}`)).find((f) => f.query === `id=${id}`)!;
      expect(flow.error).to.equal(undefined);
      expect(flow.upstream?.tls).to.deep.include({ alpn: 'http/1.1', sni: 'localhost' });
    });
  }
});
