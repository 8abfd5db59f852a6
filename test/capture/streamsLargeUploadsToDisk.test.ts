import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import http from 'node:http';
import path from 'node:path';
import https from 'node:https';
import { CaptureSidecar, ProxyTunnelAgent } from '../../harness/capture/index.js';
import { close, flowsWhen, listen, request, selfSignedOriginCert, tempDir } from './captureTestKit.js';

const SIZE = 50 * 1024 * 1024;

/** Streams SIZE bytes of a repeating pattern; returns the status and the sha256 of what was sent. */
function upload(options: http.RequestOptions, secure: boolean): Promise<{ status: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const mod = secure ? import('node:https') : Promise.resolve(http);
    void mod.then((m) => {
      const req = m.request({ ...options, method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': SIZE }, timeout: 60_000 }, (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex') }));
      });
      req.once('error', reject);
      req.once('timeout', () => req.destroy(new Error('upload timed out')));
      let sent = 0;
      let n = 0;
      const pump = () => {
        while (sent < SIZE) {
          const chunk = Buffer.alloc(Math.min(256 * 1024, SIZE - sent), n++ % 251);
          hash.update(chunk);
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  });
}

/** Runs `measure` (which collects garbage) until two readings a moment apart agree within 1 MB (at most 1 s). */
async function settle(measure: () => number): Promise<void> {
  let last = measure();
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = measure();
    if (Math.abs(now - last) < 1024 * 1024) return;
    last = now;
  }
}

/** A real gc() without starting node with --expose-gc, to measure what is retained rather than garbage. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('capture sidecar streams a 50 MB upload to disk', function () {
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: CaptureSidecar;
  before(async () => {
    tmp = tempDir('large');
    sidecar = new CaptureSidecar({ out: path.join(tmp.dir, 'cap'), port: 0, home: path.join(tmp.dir, 'home') });
    await sidecar.start();
  });
  after(async () => {
    await sidecar.stop();
    tmp.remove();
  });

  it('stores every byte in bodies/ while the memory it retains stays far below the upload size', async () => {
    const gc = exposeGc();
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true });
    // Warm up TLS and the certificate cache so the measurement is about the body, not start-up.
    await request(true, { host: 'upload.example', port: 443, path: '/warm', method: 'POST', agent }, 'warm');
    const retained = () => {
      // Twice: buffers a collection finds dead are released concurrently, and the next one waits for that.
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    // V8 frees buffers' memory after a GC, not during it: let that settle before the baseline.
    await settle(retained);
    const base = retained();
    let peak = base;
    // Sampled mid-upload: if the body were held anywhere (by us or mockttp), this would climb towards 50 MB.
    const sampler = setInterval(() => { peak = Math.max(peak, retained()); }, 200);
    // Cleared however the upload ends: left running, two full GCs every 200 ms go on for the rest
    // of the mocha worker's life and slow every later file it runs.
    const result = await upload({ host: 'upload.example', port: 443, path: '/big', agent }, true).finally(() => {
      clearInterval(sampler);
      agent.destroy();
    });
    expect(result.status).to.equal(204);

    const flows = await flowsWhen(sidecar.out, (f) => f.path === '/big');
    const body = flows.find((f) => f.path === '/big')!.request.body;
    expect(body.size).to.equal(SIZE);
    expect(body.inline).to.equal(undefined);
    expect(body.truncated).to.equal(undefined);
    const file = path.join(sidecar.out, body.file!);
    expect(statSync(file).size).to.equal(SIZE);
    const onDisk = createHash('sha256');
    for await (const chunk of createReadStream(file)) onDisk.update(chunk as Buffer);
    expect(onDisk.digest('hex')).to.equal(result.sha256);

    // Against the lower of before and after: memory that earlier tests free meanwhile must not hide growth.
    const end = retained();
    const growthMb = (peak - Math.min(base, end)) / (1024 * 1024);
    console.log(`      peak retained memory (heap + buffers, after gc) during the ${SIZE / 1048576} MB upload: +${growthMb.toFixed(1)} MB`);
    expect(growthMb).to.be.below(8);
  });
});

/** The byte at position i of the test download: a pattern that catches reordered or dropped chunks. */
function patternChunk(start: number, length: number): Buffer {
  const chunk = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) chunk[i] = ((start + i) * 31 + ((start + i) >> 16)) & 0xff;
  return chunk;
}

describe('capture sidecar (live mode) streams a 50 MB download through to the client and to disk', function () {
  let tmp: ReturnType<typeof tempDir>;
  let origin: https.Server;
  let originPort: number;
  let sidecar: CaptureSidecar;
  let expectedSha = '';
  before(async () => {
    tmp = tempDir('largelive');
    const cert = selfSignedOriginCert(tmp.dir);
    const hash = createHash('sha256');
    for (let sent = 0; sent < SIZE; sent += 256 * 1024) hash.update(patternChunk(sent, Math.min(256 * 1024, SIZE - sent)));
    expectedSha = hash.digest('hex');
    // Chunked (no Content-Length): the sidecar cannot know the size up front.
    origin = https.createServer(cert, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          const chunk = patternChunk(sent, Math.min(256 * 1024, SIZE - sent));
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    originPort = await listen(origin);
    sidecar = new CaptureSidecar({ out: path.join(tmp.dir, 'cap'), port: 0, upstream: 'live', home: path.join(tmp.dir, 'home'), upstreamTrustedCAs: [cert.cert] });
    await sidecar.start();
  });
  after(async () => {
    await sidecar.stop();
    await close(origin);
    tmp.remove();
  });

  it('relays every byte in order, stores them in bodies/, and retains far less memory than the body', async () => {
    const gc = exposeGc();
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca: sidecar.ca.certPem, keepAlive: true });
    await request(true, { host: '127.0.0.1', servername: 'localhost', port: originPort, path: '/warm', agent }).catch(() => undefined);
    const retained = () => {
      // Twice: buffers a collection finds dead are released concurrently, and the next one waits for that.
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    // V8 frees buffers' memory after a GC, not during it: let that settle before the baseline.
    await settle(retained);
    const base = retained();
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, retained()); }, 200);
    // Cleared however the download ends (see the upload test).
    const received = await new Promise<{ sha256: string; bytes: number }>((resolve, reject) => {
      const hash = createHash('sha256');
      let bytes = 0;
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: originPort, path: '/big', agent, timeout: 60_000 }, (res) => {
        res.on('data', (c: Buffer) => { hash.update(c); bytes += c.length; });
        res.once('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
      });
      req.once('timeout', () => req.destroy(new Error('download timed out')));
      req.once('error', reject);
      req.end();
    }).finally(() => {
      clearInterval(sampler);
      agent.destroy();
    });
    expect(received).to.deep.equal({ sha256: expectedSha, bytes: SIZE });

    const flows = await flowsWhen(sidecar.out, (f) => f.path === '/big');
    const body = flows.find((f) => f.path === '/big')!.response!.body;
    expect(body).to.deep.include({ size: SIZE, file: 'bodies/' + flows.find((f) => f.path === '/big')!.id + '.res' });
    expect(body.truncated).to.equal(undefined);
    const onDisk = createHash('sha256');
    for await (const chunk of createReadStream(path.join(sidecar.out, body.file!))) onDisk.update(chunk as Buffer);
    expect(onDisk.digest('hex')).to.equal(expectedSha);

    // Against the lower of before and after: memory that earlier tests free meanwhile must not hide growth.
    const end = retained();
    const growthMb = (peak - Math.min(base, end)) / (1024 * 1024);
    console.log(`      peak retained memory (heap + buffers, after gc) during the ${SIZE / 1048576} MB download: +${growthMb.toFixed(1)} MB`);
    expect(growthMb).to.be.below(8);
  });
});
