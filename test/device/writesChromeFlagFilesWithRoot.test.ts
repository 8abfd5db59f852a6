import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { CHROME_FLAG_FILES, spkiFingerprint } from '../../harness/device/provision/chromeFlagsStep.js';
import { PhoneLab } from './phoneFixture.js';

const MINT = 'com.mi.globalbrowser.mini';

describe('device: with root, Chromium\'s command-line files carry the CA\'s key for the run and are put back as found', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-chromeflags-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Magisk: all eight files as HTTP Toolkit writes them (shell_data_file), read by Mint at its next start; a file the user had is restored, the others removed', async () => {
    const phone = await lab.phone('magisk-rooted-retail');
    const session = await lab.session(phone);
    const mine = '/data/local/tmp/webview-command-line';
    await session.adb.shell(`echo '_ --enable-logging' > ${mine}`);
    const provisioning = await session.provision({ proxyPort: 18331, caCertPem: caPem, reassertMs: 0 });
    const line = `chrome --ignore-certificate-errors-spki-list=${spkiFingerprint(caPem)}`;
    expect(provisioning.record.chromeFlags?.content).to.equal(line);
    expect(provisioning.record.chromeFlags?.files.map((f) => f.path)).to.deep.equal(CHROME_FLAG_FILES);
    for (const file of CHROME_FLAG_FILES) {
      expect((await session.adb.shell(`su -c 'cat ${file}'`)).trim(), file).to.equal(line);
      expect(await session.adb.shell(`su -c 'ls -Z ${file}'`), file).to.include('u:object_r:shell_data_file:s0');
    }
    // A user build: Mint (Chromium's CommandLineInitUtil) takes /data/local/chrome-command-line.
    expect(phone.android.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([line.split(' ')[1]]);
    expect((await provisioning.undo()).ok).to.equal(true);
    expect((await session.adb.shell(`cat ${mine}`)).trim()).to.equal('_ --enable-logging');
    for (const file of CHROME_FLAG_FILES.filter((f) => f !== mine)) {
      expect(await session.adb.shell(`su -c 'ls ${file} 2>&1'`), file).to.match(/No such file/);
    }
  });

  it('no root: nothing is written (only root can write /data/local)', async () => {
    const phone = await lab.phone('retail-miui-android10', (p) => { p.device.developerOptions = { usbDebuggingSecuritySettings: true, installViaUsb: true }; });
    const session = await lab.session(phone);
    await session.provision({ proxyPort: 18332, caCertPem: caPem, reassertMs: 0, userCaTimeoutMs: 300 }).catch(() => undefined);
    for (const file of CHROME_FLAG_FILES.filter((f) => f.startsWith('/data/local/tmp/'))) {
      expect(await session.adb.shell(`ls ${file} 2>&1`), file).to.match(/No such file/);
    }
    expect(phone.android.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([]);
  });
});
