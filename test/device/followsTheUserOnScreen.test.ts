import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { clearAppData, readAppVersions } from '../../harness/device/index.js';
import { androidSystemCertificate } from '../../harness/device/provision/androidCertName.js';
import { parseSsaidXml, ssaidPath } from '../../harness/device/ssaid.js';
import { launchCommand, resolveLauncherActivity } from '../../harness/drive/launcherActivity.js';
import { PhoneLab } from './phoneFixture.js';

const MINT = 'com.mi.globalbrowser.mini';
const PRO = 'com.mi.globalbrowser';

/** MIUI Second space is another Android user (10): the harness names it wherever Android takes --user. */
describe('device: a phone with Second space in front is driven as the user on screen (10), not user 0', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-user10-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('provisioning reads user 10, puts the user CA in /data/misc/user/10 (creating its folder), and undoes it', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => { p.device.currentUser = 10; });
    const session = await lab.session(phone);
    const { fileName } = androidSystemCertificate(caPem);
    const provisioning = await session.provision({ proxyPort: 18311, caCertPem: caPem, caStore: 'user', reassertMs: 0 });
    expect(provisioning.user).to.equal(10);
    expect(session.currentUser).to.equal(10);
    expect(provisioning.record.ca).to.include({ user: 10, store: 'user', userDirCreatedByUs: true });
    expect(await session.adb.shell(`su -c 'ls /data/misc/user/10/cacerts-added'`)).to.include(fileName);
    expect(await session.adb.shell(`su -c 'ls /data/misc/user/0/cacerts-added'`)).not.to.include(fileName);
    expect((await provisioning.undo()).ok).to.equal(true);
    expect(await session.adb.shell(`su -c 'ls /data/misc/user/10/cacerts-added 2>&1'`)).to.match(/No such file/);
  });

  it('ANDROID_ID is read from user 10\'s settings_ssaid.xml: the values the browsers on screen read, none of user 0\'s', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => { p.device.currentUser = 10; });
    const session = await lab.session(phone);
    const provisioning = await session.provision({ proxyPort: 18312, caCertPem: caPem, caStore: 'user', reassertMs: 0 });
    try {
      const ids = await session.identifiers([MINT, PRO]);
      const apps = (ids.androidId as { apps: Record<string, string> }).apps;
      // The phone's own file for user 10, with its own user key: each browser has a value there.
      const user10 = parseSsaidXml(await session.adb.shell(`su -c 'cat ${ssaidPath(10)}'`));
      const user0 = parseSsaidXml(await session.adb.shell(`su -c 'cat ${ssaidPath(0)}'`));
      expect(apps).to.deep.equal({ [MINT]: user10.get(MINT), [PRO]: user10.get(PRO) });
      expect(apps[MINT], 'what the browser on screen reads').to.equal(phone.android.appAndroidId(MINT));
      expect(user0.get(MINT), 'user 0 has its own, different value').to.match(/^[0-9a-f]{16}$/).and.not.equal(apps[MINT]);
      expect(Object.values(apps)).to.not.include(user0.get(MINT)).and.not.include(user0.get(PRO));
    } finally {
      await provisioning.undo();
    }
  });

  it('pm clear and am start name user 10: clearing user 0 leaves the running browser alone, clearing user 10 stops it', async () => {
    const phone = await lab.phone('redmi-note-8-2020', (p) => { p.device.currentUser = 10; });
    const session = await lab.session(phone);
    const [app] = await readAppVersions(session.adb, [MINT], 10);
    expect(app?.package).to.equal(MINT);
    const activity = await resolveLauncherActivity(session.adb, MINT);
    const command = launchCommand({ package: MINT, activity }, 10);
    expect(command).to.match(/^am start --user 10 -W -n /);
    expect(await session.adb.shell(command)).to.match(/Status: ok/);
    const pid = (await session.adb.shell(`pidof ${MINT}`)).trim();
    expect(pid).to.match(/^\d+$/);
    // A bare `pm clear` is user 0 (PackageManagerShellCommand.runClear): not the copy on screen.
    await clearAppData(session.adb, MINT, 0);
    expect((await session.adb.shell(`pidof ${MINT}`)).trim()).to.equal(pid);
    await clearAppData(session.adb, MINT, 10);
    expect((await session.adb.shell(`pidof ${MINT}`)).trim()).to.equal('');
  });
});
