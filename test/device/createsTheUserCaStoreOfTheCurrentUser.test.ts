import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { androidSystemCertificate } from '../../harness/device/provision/androidCertName.js';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { userCaDir } from '../../harness/device/provision/caStep.js';
import { parseLabel } from '../../harness/device/provision/caPaths.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: the user CA store with root — the current user\'s folder, created as the system would', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-userca-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the folder of user N (MIUI Second space is not user 0)', () => {
    expect(userCaDir(0)).to.equal('/data/misc/user/0/cacerts-added');
    expect(userCaDir(10)).to.equal('/data/misc/user/10/cacerts-added');
  });

  it('on a phone that never had a user CA: mkdir, system:system 755, the policy\'s label, then the CA; undo removes both', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const folder = userCaDir(0);
    const session = await lab.session(phone);
    const root = (cmd: string) => session.adb.shell(`su -c '${cmd}'`);
    // As on a phone that never had a user CA.
    await root(`rm -rf ${folder}`);
    expect(await root(`ls -d ${folder} 2>&1`)).to.match(/No such file/);

    const provisioning = await session.provision({ proxyPort: 18601, caCertPem: caPem, caStore: 'user', reassertMs: 0 });
    expect(provisioning.record.ca).to.deep.include({ store: 'user', user: 0, userDirCreatedByUs: true });
    const listing = await root(`ls -ldZ ${folder}`);
    expect(listing).to.match(/^drwxr-xr-x\s+\d+\s+system\s+system\s/);
    const label = parseLabel(listing);
    await root(`restorecon ${folder}`);
    expect(parseLabel(await root(`ls -ldZ ${folder}`)), 'the label restorecon gives').to.equal(label);
    const { fileName, content } = androidSystemCertificate(caPem);
    expect(await root(`cat ${folder}/${fileName}`)).to.equal(content);
    expect(phone.android.caCertificates('user')).to.have.length(1);

    expect((await provisioning.undo()).ok).to.equal(true);
    expect(await root(`ls -d ${folder} 2>&1`)).to.match(/No such file/);
  });
});
