import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { androidSystemCertificate } from '../../harness/device/provision/androidCertName.js';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { APEX_CA_DIR } from '../../harness/device/provision/caStep.js';
import { PhoneLab } from './phoneFixture.js';

const MINT = 'com.mi.globalbrowser.mini';

describe('device: Android 14 — the CA reaches the Conscrypt APEX store of apps already running', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-apex-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds the tmpfs store into every zygote child\'s namespace, records the PIDs, and the browser sees the CA in its own namespace', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => {
      Object.assign(p.device, { sdk: 34, release: '14', su: 'magisk' });
    });
    const session = await lab.session(phone);
    await session.adb.shell(`monkey -p ${MINT} -c android.intent.category.LAUNCHER 1`);
    const pid = Number((await session.adb.shell(`pidof ${MINT}`)).trim());
    expect(pid).to.be.greaterThan(0);

    const provisioning = await session.provision({ proxyPort: 18401, caCertPem: caPem, reassertMs: 0 });
    const ca = provisioning.record.ca!;
    expect(ca.apexBound).to.equal(true);
    expect(ca.apexPids).to.include(pid);
    const { fileName, content } = androidSystemCertificate(caPem);
    expect(await session.adb.shell(`cat ${APEX_CA_DIR}/${fileName}`)).to.equal(content);
    expect(await provisioning.verifyCaInApp(MINT)).to.deep.equal({ pid, path: `${APEX_CA_DIR}/${fileName}` });
    // The same check as a run makes it after the browser starts: once the app's own namespace lost
    // the mount (as with KernelSU's "umount modules"), it is a provisioning failure naming the step.
    await session.adb.shell(`su --mount-master -c 'nsenter --mount=/proc/${pid}/ns/mnt -- /bin/umount ${APEX_CA_DIR}'`);
    const error = await session.verifyCaInApp(MINT).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(new RegExp(`^CA \\(verify in ${MINT.replace(/\./g, '\\.')}\\) step failed on 127\\.0\\.0\\.1:\\d+: ${MINT.replace(/\./g, '\\.')} \\(pid ${pid}\\) does not see `));

    expect((await provisioning.undo()).ok).to.equal(true);
    expect(await session.adb.shell(`ls ${APEX_CA_DIR}/${fileName} 2>&1`)).to.match(/No such file/);
  });
});
