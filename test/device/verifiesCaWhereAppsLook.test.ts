import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { androidSystemCertificate } from '../../harness/device/provision/androidCertName.js';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { applyCa, planCa, SYSTEM_CA_DIR, undoCa } from '../../harness/device/provision/caStep.js';
import { parseLabel } from '../../harness/device/provision/caPaths.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: the CA is checked where apps look, not as root', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-ca-apps-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Magisk: mounted with --mount-master, so the plain shell reads the CA; folder and files keep the stock SELinux labels', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => { (p.device as { su?: string }).su = 'magisk'; });
    const session = await lab.session(phone);
    const { fileName, content } = androidSystemCertificate(caPem);
    const stockDir = parseLabel(await session.adb.shell(`ls -Zd ${SYSTEM_CA_DIR}`));
    const stockFile = parseLabel((await session.adb.shell(`ls -Z ${SYSTEM_CA_DIR}`)).split('\n')[0] ?? '');
    expect(stockDir, 'the phone shows a context').to.match(/^u:object_r:/);

    const provisioning = await session.provision({ proxyPort: 18301, caCertPem: caPem, reassertMs: 0 });
    expect(provisioning.record.ca?.rootForm).to.equal('su-mount-master');
    // As the shell (uid 2000), i.e. as an app's view of the file system: our certificate, stock labels.
    expect(await session.adb.shell(`cat ${SYSTEM_CA_DIR}/${fileName}`)).to.equal(content);
    expect(parseLabel(await session.adb.shell(`ls -Zd ${SYSTEM_CA_DIR}`))).to.equal(stockDir);
    expect(parseLabel(await session.adb.shell(`ls -Z ${SYSTEM_CA_DIR}/${fileName}`))).to.equal(stockFile);
    expect(provisioning.record.ca?.labels).to.deep.equal({ dir: stockDir, file: stockFile });
    expect((await provisioning.undo()).ok).to.equal(true);
    expect(await session.adb.shell(`ls ${SYSTEM_CA_DIR}/${fileName} 2>&1`)).to.match(/No such file/);
  });

  it('Magisk through plain su -c (its own mount namespace): the mismatch is a provisioning failure naming the step', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => { (p.device as { su?: string }).su = 'magisk'; });
    const session = await lab.session(phone);
    const plan = await planCa(session.adb, { caCertPem: caPem, rootMethod: 'su', rootForm: 'su-c', store: 'system', sdk: 29 });
    const error = await applyCa(session.adb, plan, { caCertPem: caPem, sdk: 29, userCaTimeoutMs: 1000, log: () => undefined }, async () => undefined)
      .then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^CA \(verify as apps see it\) step failed on 127\.0\.0\.1:\d+: the plain shell does not read the CA/);
    await undoCa(session.adb, plan);
  });
});
