import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CaptureSidecar, ProxyTunnelAgent } from '../../harness/capture/index.js';
import { verifyCapture } from '../../harness/detect/index.js';

/** An HTTPS GET through the sidecar, trusting `ca` (or the machine's roots when absent). */
function getThroughProxy(sidecar: CaptureSidecar, url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const agent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: sidecar.port }, ca });
    const req = https.get(url, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('device: the provisioning check (one canary navigation must reach the capture)', function () {
  this.timeout(30_000);
  let dir: string;
  let sidecar: CaptureSidecar;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-verify-'));
    sidecar = new CaptureSidecar({ out: path.join(dir, 'capture'), home: path.join(dir, 'home'), upstream: 'sink' });
    await sidecar.start();
  });
  after(async () => {
    await sidecar.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes when the navigation shows up as a flow, and returns that flow', async () => {
    let navigated = '';
    const result = await verifyCapture({
      device: 'phone-a',
      captureDir: sidecar.out,
      navigate: async (url) => { navigated = url; await getThroughProxy(sidecar, url, sidecar.ca.certPem); },
      timeoutMs: 5000,
    });
    expect(result.url).to.equal(navigated);
    expect(navigated).to.match(/^https:\/\/example\.com\/phonehome-verify\/ph[a-z2-7]{18}$/);
    expect(result.flowId).to.be.a('string').and.not.equal('');
  });

  it('blames the CA step when the phone reached the capture but refused its certificate', async () => {
    const error = await verifyCapture({
      device: 'phone-b',
      captureDir: sidecar.out,
      navigate: async (url) => { await getThroughProxy(sidecar, url).catch(() => undefined); }, // does not trust the capture CA
      timeoutMs: 5000,
    }).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^verification failed on phone-b: CA step: the phone reached the capture but refused its certificate for example\.com \(tls-rejected/);
  });

  it('blames the proxy step when nothing arrives, and the navigation when it fails', async () => {
    const silent = await verifyCapture({ device: 'phone-c', captureDir: sidecar.out, navigate: async () => undefined, timeoutMs: 600 }).then(() => null, (e: Error) => e);
    expect(silent?.message).to.match(/^verification failed on phone-c: proxy step: the check navigation to https:\/\/example\.com\/phonehome-verify\/ph[a-z2-7]+ never reached the capture sidecar in 600 ms/);
    const broken = await verifyCapture({ device: 'phone-d', captureDir: sidecar.out, navigate: async () => { throw new Error('address bar not found'); }, timeoutMs: 600 }).then(() => null, (e: Error) => e);
    expect(broken?.message).to.match(/^verification failed on phone-d: the check navigation to .* failed: address bar not found$/);
  });
});
