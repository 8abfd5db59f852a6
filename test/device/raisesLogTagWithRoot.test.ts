import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { undoProvisioningOnPhone } from '../../harness/device/index.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: with root, log.tag is raised to V for the run and the value found is put back', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-logtag-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Magisk phone with log.tag M: V during the run, M again after undo; the record on the phone names it first', async () => {
    const phone = await lab.phone('magisk-rooted-retail', (p) => { p.device.extraProps = { ...p.device.extraProps, 'log.tag': 'M' }; });
    const session = await lab.session(phone);
    const provisioning = await session.provision({ proxyPort: 18321, caCertPem: caPem, reassertMs: 0 });
    expect(provisioning.record.logTag).to.include({ previous: 'M', value: 'V' });
    expect(await session.adb.getprop('log.tag')).to.equal('V');
    // Undone from the record on the phone (as `phonehome provision --undo` does after a killed run).
    const undone = await undoProvisioningOnPhone(session.adb);
    expect(undone).to.include({ ok: true, found: true });
    expect(await session.adb.getprop('log.tag')).to.equal('M');
  });

  it('no root (retail phone, toggles on): log.tag is left as it is', async () => {
    const phone = await lab.phone('retail-miui-android10', (p) => {
      p.device.developerOptions = { usbDebuggingSecuritySettings: true, installViaUsb: true };
      p.device.extraProps = { ...p.device.extraProps, 'log.tag': 'M' };
    });
    const session = await lab.session(phone);
    const error = await session.provision({ proxyPort: 18322, caCertPem: caPem, reassertMs: 0, userCaTimeoutMs: 500 }).then(() => null, (e: Error) => e);
    // Without root the CA needs the certificate installer (driven through Appium by a run); either
    // way nothing touched log.tag.
    expect(error?.message ?? '').not.to.match(/log\.tag/);
    expect(await session.adb.getprop('log.tag')).to.equal('M');
  });
});
