import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as mockttp from 'mockttp';
import type { OngoingRequest } from 'mockttp';
import { exchangeStep, listeningServer, MOCKTTP_VERIFIED, tapMatcher, watchRequestTrailers } from '../../harness/capture/mockttpSeam.js';
import http2 from 'node:http2';
import type { Header } from '../../harness/capture/types.js';

/** The installed mockttp's version, from its package.json next to its entry point. */
function installedMockttp(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('mockttp'));
  const isMockttp = (d: string) => existsSync(path.join(d, 'package.json')) && (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'mockttp';
  while (!isMockttp(dir)) {
    if (path.dirname(dir) === dir) throw new Error('cannot find the installed mockttp package.json');
    dir = path.dirname(dir);
  }
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: { 'content-type': 'text/plain' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * capture/mockttpSeam.ts relies on mockttp internals (see its header). A mockttp upgrade must fail
 * here, loudly and by name, before it silently breaks the capture.
 */
describe('capture: the mockttp seam holds for the installed mockttp', function () {
  this.timeout(30_000);

  it(`the installed mockttp is the one the seam was verified against (${MOCKTTP_VERIFIED})`, () => {
    const installed = installedMockttp();
    expect(installed, `mockttp ${installed} is installed but harness/capture/mockttpSeam.ts was verified against mockttp ${MOCKTTP_VERIFIED}: re-check its three seams (step handle copied to the implementation, matcher objects called as given, the private 'server' field), then update MOCKTTP_VERIFIED`).to.equal(MOCKTTP_VERIFIED);
  });

  it('a step gets the live request and response streams, after the tap matcher saw the request', async () => {
    const server = mockttp.getLocal();
    const tapped: string[] = [];
    await server.start(0);
    try {
      await server.addRequestRule({
        matchers: [tapMatcher((request: OngoingRequest) => tapped.push(`${request.method} ${request.path}`), 'test tap')],
        steps: [exchangeStep('test', async (request, response) => {
          // The body read as a stream, not buffered by mockttp first.
          let received = '';
          for await (const chunk of request.body.asStream()) received += String(chunk);
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(`streamed ${received.length} bytes: ${received}`);
        })],
      });
      const answer = await post(server.port, 'hello seam');
      expect(answer, `mockttp ${installedMockttp()} no longer calls exchangeStep's handler (seam verified for ${MOCKTTP_VERIFIED})`).to.deep.equal({ status: 200, body: 'streamed 10 bytes: hello seam' });
      expect(tapped, `mockttp ${installedMockttp()} no longer calls tapMatcher's matches (seam verified for ${MOCKTTP_VERIFIED})`).to.deep.equal(['POST /echo']);
      const inner = listeningServer(server);
      expect(inner, `mockttp ${installedMockttp()} hides its listening server (seam verified for ${MOCKTTP_VERIFIED})`).to.not.equal(undefined);
      expect((inner!.address() as { port: number }).port).to.equal(server.port);
    } finally {
      await server.stop();
    }
  });

  it('a request\'s trailers reach the tap, over HTTP/1.1 (chunked) and over HTTP/2', async () => {
    const server = mockttp.getLocal({ http2: true });
    const got: Array<[string, Header[]]> = [];
    await server.start(0);
    try {
      await server.addRequestRule({
        matchers: [tapMatcher((request: OngoingRequest) => watchRequestTrailers(request, (t) => got.push([request.httpVersion, t])), 'trailer tap')],
        steps: [exchangeStep('test', async (request, response) => {
          for await (const _ of request.body.asStream()) void _;
          response.writeHead(200);
          response.end('ok');
        })],
      });
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/h1' }, (res) => res.resume().once('end', resolve));
        req.once('error', reject);
        req.write('body');
        req.addTrailers({ 'x-h1-trailer': 'one' });
        req.end();
      });
      const session = http2.connect(`http://127.0.0.1:${server.port}`);
      try {
        await new Promise<void>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': '/h2' }, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers({ 'x-h2-trailer': 'two' }));
          stream.once('error', reject);
          stream.resume().once('end', resolve);
          stream.end('body');
        });
      } finally {
        session.close();
      }
      expect(got, `mockttp ${installedMockttp()} no longer hands over request trailers as the seam expects (verified for ${MOCKTTP_VERIFIED})`).to.deep.equal([
        ['1.1', [['x-h1-trailer', 'one']]],
        ['2.0', [['x-h2-trailer', 'two']]],
      ]);
    } finally {
      await server.stop();
    }
  });
});
