import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import http from 'node:http';
import path from 'node:path';
import { CaptureSidecar, ProxyTunnelAgent } from '../../harness/capture/index.js';
import { flowsWhen, request, tempDir } from './captureTestKit.js';

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
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = retained();
    let peak = base;
    // Sampled mid-upload: if the body were held anywhere (by us or mockttp), this would climb towards 50 MB.
    const sampler = setInterval(() => { peak = Math.max(peak, retained()); }, 25);
    const result = await upload({ host: 'upload.example', port: 443, path: '/big', agent }, true);
    clearInterval(sampler);
    agent.destroy();
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

    const growthMb = (peak - base) / (1024 * 1024);
    console.log(`      peak retained memory (heap + buffers, after gc) during the ${SIZE / 1048576} MB upload: +${growthMb.toFixed(1)} MB`);
    expect(growthMb).to.be.below(8);
  });
});
