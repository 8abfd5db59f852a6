import { expect } from 'chai';
import { loadProfile } from '../../sim/profiles/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { sh } from './android-support.js';
import { phoneWithApps } from './android-support-apps.js';

const PKG = 'org.example.hello';
const MAIN = 'org.example.hello.MainActivity';

describe('sim apps: an app installed from an APK that the profile gives no behaviour starts its launcher activity, empty', function () {
  this.timeout(30_000);
  const phone = phoneWithApps(loadProfile('aosp-emulator-android11'));
  after(() => phone.close());

  it('am start -W runs its launcher activity in its own process; dumpsys activity and window show it; the screen is its empty window', async () => {
    phone.device.writeFile('/data/local/tmp/hello.apk', buildApk(PKG, 3, '1.2', 0, { launcherActivity: MAIN }), { uid: 2000, gids: [2000] });
    expect((await sh(phone.device, 'pm install /data/local/tmp/hello.apk')).stdout).to.equal('Success\n');
    const started = await sh(phone.device, `am start -W -n ${PKG}/.MainActivity`);
    expect(started.stderr).to.equal('');
    expect(started.stdout).to.contain('Status: ok').and.contain('LaunchState: COLD');
    const pid = (await sh(phone.device, `pidof ${PKG}`)).stdout.trim();
    expect(pid).to.match(/^\d+$/);
    expect((await sh(phone.device, 'dumpsys activity activities')).stdout).to.contain(`mResumedActivity: ActivityRecord{`).and.contain(`u0 ${PKG}/${MAIN} `);
    expect((await sh(phone.device, 'dumpsys window')).stdout).to.contain(`mCurrentFocus=Window{`).and.contain(`${PKG}/${PKG}.MainActivity}`);
    const root = phone.runtime.ui.hierarchy();
    expect(root.package).to.equal(PKG);
    const content = root.children[0]!.children[0]!;
    expect(content.resourceId).to.equal('android:id/content');
    expect(content.children).to.deep.equal([]);
    // Started again while running: HOT, same process.
    expect((await sh(phone.device, `am start -W -n ${PKG}/${MAIN}`)).stdout).to.contain('LaunchState: HOT');
    expect((await sh(phone.device, `pidof ${PKG}`)).stdout.trim()).to.equal(pid);
  });

  it('another activity of it does not exist; Back finishes it (the launcher returns), force-stop ends its process; uninstalled, it cannot start', async () => {
    const other = await sh(phone.device, `am start -n ${PKG}/.Other`);
    expect(other.stderr).to.contain(`Error: Activity class {${PKG}/${PKG}.Other} does not exist.`);
    await phone.runtime.input.keyevent(4);
    expect(phone.runtime.focus()?.package).to.not.equal(PKG);
    expect((await sh(phone.device, `pidof ${PKG}`)).stdout.trim()).to.match(/^\d+$/);
    expect((await sh(phone.device, `am force-stop ${PKG}`)).code).to.equal(0);
    expect((await sh(phone.device, `pidof ${PKG}`)).code).to.equal(1);
    expect((await sh(phone.device, `pm uninstall ${PKG}`)).stdout).to.equal('Success\n');
    expect((await sh(phone.device, `am start -n ${PKG}/.MainActivity`)).stderr).to.contain('does not exist');
  });
});
