import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CaptureSidecar, MarkerWriter, readFlows, readMarkers, ROUTE_PROBE_HOST, RouteProber, type Flow } from '../../harness/capture/index.js';
import type { AdbDevice } from '../../harness/device/index.js';
import { PhoneLab } from '../device/phoneFixture.js';

/**
 * Route probes through the real parts: Debian's adb server, adbkit's openTcp (adbd's `tcp:` service
 * on the simulated phone), the phone's loopback, the `adb reverse` tunnel back to the sidecar. A
 * probe answered is a flow on disk; a cut route is a failed probe with the reason, never a sample.
 */
describe('capture: route probes travel the phone\'s own route to the sidecar', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  let dir: string;
  let sidecar: CaptureSidecar;
  let adb: AdbDevice;
  let markers: MarkerWriter;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-probe-'));
    await lab.start();
    const phone = await lab.phone('clean-control');
    const session = await lab.session(phone);
    adb = session.adb;
    sidecar = new CaptureSidecar({ out: path.join(dir, 'capture'), home: path.join(dir, 'home'), upstream: 'sink' });
    await sidecar.start();
    await adb.reverse(`tcp:${sidecar.port}`, `tcp:${sidecar.port}`);
    markers = new MarkerWriter(sidecar.out);
  });
  after(async () => {
    await markers?.close();
    await sidecar?.stop();
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const prober = () => new RouteProber({ open: () => adb.openTcp(sidecar.port, 5000), markers, route: `adb reverse tcp:${sidecar.port}`, timeoutMs: 5000 });

  it('a probe reaches the sidecar through the reverse tunnel and is recorded as a flow before its answer', async () => {
    const result = await prober().probe();
    expect(result, JSON.stringify(result)).to.include({ ok: true });
    const flows: Flow[] = [];
    for await (const f of readFlows(sidecar.out)) flows.push(f);
    const probe = flows.find((f) => f.host === ROUTE_PROBE_HOST && f.path === `/probe/${result.token}`);
    expect(probe, 'the probe flow').to.not.equal(undefined);
    expect(probe!.response?.status).to.equal(204);
    expect(probe!.startedAt).to.be.within(result.time, result.time + result.ms);
    // Not the phone's traffic: waits for quiet traffic do not see it.
    expect(sidecar.flowsRecorded).to.equal(0);
    expect(sidecar.probesRecorded).to.equal(1);
    const marker = (await readMarkers(sidecar.out)).find((m) => m.kind === 'route-probe' && m.data?.['token'] === result.token);
    expect(marker?.data).to.include({ ok: true });
  });

  it('with the tunnel removed, a probe fails with the reason and leaves no flow', async () => {
    await adb.removeReverse(`tcp:${sidecar.port}`);
    const result = await prober().probe();
    expect(result.ok).to.equal(false);
    expect(result.ok === false && result.error).to.match(/could not connect to its proxy port: adb tcp:\d+ on 127\.0\.0\.1:\d+: /);
    const flows: Flow[] = [];
    for await (const f of readFlows(sidecar.out)) flows.push(f);
    expect(flows.filter((f) => f.path === `/probe/${result.token}`)).to.have.length(0);
    const marker = (await readMarkers(sidecar.out)).find((m) => m.kind === 'route-probe' && m.data?.['token'] === result.token);
    expect(marker?.data).to.include({ ok: false, timedOut: false });
  });

  it('with the tunnel back but the sidecar\'s listener gone, a probe fails: the process alive is not the route alive', async () => {
    await adb.reverse(`tcp:${sidecar.port}`, `tcp:${sidecar.port}`);
    expect((await prober().probe()).ok).to.equal(true);
    const other = new CaptureSidecar({ out: path.join(dir, 'other'), home: path.join(dir, 'home'), upstream: 'sink' });
    await other.start();
    const port = other.port;
    await adb.reverse(`tcp:${port}`, `tcp:${port}`);
    await other.stop(); // nothing listens behind this tunnel any more
    const result = await new RouteProber({ open: () => adb.openTcp(port, 5000), markers, route: `adb reverse tcp:${port}`, timeoutMs: 5000 }).probe();
    expect(result.ok, JSON.stringify(result)).to.equal(false);
    await adb.removeReverse(`tcp:${port}`);
  });
});
