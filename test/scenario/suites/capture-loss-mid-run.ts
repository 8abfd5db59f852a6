import type { Server } from 'node:net';
import { defineSuite, expect } from '../../../harness/scenario/index.js';
import type { RiggedPhone } from '../../../harness/scenario/riggedPhone.js';

/**
 * The issue-13 fault campaign as a suite: one visit with the capture working, then the capture
 * sidecar's listening socket and every connection to it are destroyed (its process and heartbeat
 * timer stay alive, as in the field report) and the phone's adb reverse tunnel is removed; every
 * later visit's "did not leak" assertion must fail as unobservable, never pass.
 */
const LATER_VISITS = 3;

/** The sidecar's listening server, found among this process's handles by its port (test fault only). */
function listenerOn(port: number): Server {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const server = handles.find((h): h is Server => {
    const s = h as Server;
    if (typeof s.address !== 'function' || typeof s.close !== 'function' || typeof (s as { listen?: unknown }).listen !== 'function') return false;
    const a = s.address();
    return typeof a === 'object' && a !== null && a.port === port;
  });
  if (!server) throw new Error(`fault injection: no listening server on port ${port} in this process`);
  return server;
}

export default defineSuite({ name: 'capture-loss-mid-run', description: 'Capture loss mid-run is never clean (issue 13).' }, (ctx) => {
  const phone = ctx.phones[0]!;
  const browser = phone.browsers()[0]!;
  const mode = ctx.modes[0]!;

  it('before the fault: a visit is captured and did not leak', async () => {
    const b = await phone.openBrowser(browser, mode);
    const visit = await b.visit();
    await b.close();
    await phone.waitForTelemetry();
    expect(visit).to.not.have.leakedToThirdParty();
  });

  it('before the fault: the IMEI reached no host', async () => {
    await phone.waitForTelemetry();
    expect(phone.identifier('imei')).to.not.have.reached(/./);
  });

  it('fault: the sidecar\'s sockets are destroyed and the phone\'s tunnel stopped', async () => {
    const rig = phone as RiggedPhone;
    const server = listenerOn(rig.sidecar.port) as Server & { destroy?: () => Promise<void> };
    // mockttp's server is a destroyable-server: destroy() closes the listener and every open connection.
    if (typeof server.destroy === 'function') await server.destroy();
    else server.close();
    await rig.session.adb.removeReverse(`tcp:${rig.sidecar.port}`).catch(() => undefined);
    expect(rig.sidecar.port).to.be.a('number');
  });

  for (let i = 1; i <= LATER_VISITS; i++) {
    it(`after the fault: visit ${i} did not leak`, async () => {
      const b = await phone.openBrowser(browser, mode);
      const visit = await b.visit();
      await b.close();
      await phone.waitForTelemetry({ timeoutMs: 8000 });
      expect(visit).to.not.have.leakedToThirdParty();
    });
  }

  it('after the fault: the IMEI reached no host', async () => {
    await phone.waitForTelemetry({ timeoutMs: 8000 });
    expect(phone.identifier('imei')).to.not.have.reached(/./);
  });
});
