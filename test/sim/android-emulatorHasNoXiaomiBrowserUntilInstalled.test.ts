import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseApk } from '../../sim/android/apkManifest.js';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

describe('sim android: an AOSP emulator has no Xiaomi browser until `adb install` of its APK', function () {
  this.timeout(60000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;
  let dir: string;
  const MINT = 'com.mi.globalbrowser.mini';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-emulator-'));
    await adb.start();
    phone = new SimulatedPhone({ profile: loadProfile('aosp-emulator-android11'), port: 0 });
    await phone.start();
    await adb.connect(phone.serial);
  });
  after(async () => {
    await adb.stop();
    await phone?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads package, versionName and the MAIN/LAUNCHER activity from a real APK’s binary manifest', () => {
    const info = parseApk(buildApk(MINT, 340, '3.4.0', 0, { launcherActivity: 'com.android.browser.BrowserActivity' }));
    expect(info).to.deep.equal({ package: MINT, versionCode: 340, versionName: '3.4.0', launcherActivity: 'com.android.browser.BrowserActivity' });
    expect(parseApk(buildApk(MINT, 1, '1', 0, { launcherActivity: '.Main' })).launcherActivity).to.equal(`${MINT}.Main`);
    expect(parseApk(buildApk('io.appium.settings', 1, '1')).launcherActivity).to.equal(undefined);
  });

  it('lists neither browser, cannot start them, and shows no icon for them before the install', async () => {
    expect((await adb.shell(phone.serial, 'pm list packages')).stdout).not.to.contain('com.mi.globalbrowser');
    expect((await adb.run(['-s', phone.serial, 'shell', `pm path ${MINT}`])).stdout).to.equal('');
    const start = await adb.run(['-s', phone.serial, 'shell', `am start -W -n ${MINT}/com.android.browser.BrowserActivity`]);
    expect(start.stdout + start.stderr).to.contain(`Error: Activity class {${MINT}/com.android.browser.BrowserActivity} does not exist.`);
    const icons = JSON.stringify(phone.android.apps.ui.hierarchy());
    expect(icons).not.to.contain('Mint Browser');
  });

  it('after `adb install`, the app is listed with the APK’s version, and launches as the profile’s browser', async () => {
    const apk = join(dir, 'mint.apk');
    writeFileSync(apk, buildApk(MINT, 340, '3.4.0-apk', 50_000, { launcherActivity: 'com.miui.org.chromium.chrome.browser.ChromeTabbedActivity' }));
    const installed = await adb.run(['-s', phone.serial, 'install', '-r', '-g', apk]);
    expect(installed.stdout).to.contain('Success');
    expect((await adb.shell(phone.serial, `pm list packages ${MINT}`)).stdout).to.equal(`package:${MINT}\n`);
    expect((await adb.shell(phone.serial, `dumpsys package ${MINT}`)).stdout).to.contain('versionName=3.4.0-apk');
    expect((await adb.shell(phone.serial, 'pm list packages com.mi.globalbrowser')).stdout).to.equal(`package:${MINT}\n`);
    const start = await adb.shell(phone.serial, `am start -W -n ${MINT}/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity`);
    expect(start.stdout).to.contain('Status: ok');
    expect((await adb.shell(phone.serial, 'dumpsys window displays')).stdout).to.contain(`${MINT}/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity`);
    // Uninstalled, it is gone again.
    expect((await adb.run(['-s', phone.serial, 'uninstall', MINT])).stdout).to.contain('Success');
    expect((await adb.shell(phone.serial, 'pm list packages com.mi.globalbrowser')).stdout).to.equal('');
  });
});
