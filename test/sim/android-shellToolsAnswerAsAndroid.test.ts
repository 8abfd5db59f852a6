import { expect } from 'chai';
import { SimulatedPhone } from '../../sim/index.js';
import { strftime } from '../../sim/android/commands/dateCommand.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// Android behaviours a client meets through `adb shell` (sim/EVIDENCE.md "Android"): toybox date
// formats in the phone's zone, locksettings, dumpsys input/deviceidle, build properties,
// `am start -W` launch states and ACTION_VIEW, reverse with any host spec. One phone for the file.
describe('sim android: shell tools answer as Android’s do', function () {
  this.timeout(60_000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;
  const sh = async (cmd: string) => adb.shell(phone.serial, cmd);

  before(async () => {
    await adb.start();
    phone = new SimulatedPhone({ profile: loadProfile('redmi-note-8-2020'), port: 0 });
    await phone.start();
    await adb.connect(phone.serial);
  });
  after(async () => {
    await adb.stop();
    await phone?.stop();
  });

  it('date: strftime conversions in persist.sys.timezone (BST in summer), -u for UTC, toybox’s default format', async () => {
    const summer = new Date(Date.UTC(2020, 6, 4, 13, 5, 9));
    expect(strftime('%Y-%m-%d %H:%M:%S %Z %z|%a %A %b %B|%e|%j|%s|%I %p|%F %T|%%|%Q', summer, 'Europe/London')).to.equal('2020-07-04 14:05:09 BST +0100|Sat Saturday Jul July| 4|186|1593867909|02 PM|2020-07-04 14:05:09|%|%Q');
    expect(strftime('%H:%M %Z', new Date(Date.UTC(2020, 0, 4, 13, 5)), 'Europe/London')).to.equal('13:05 GMT');
    expect(strftime('%a %b %e %H:%M:%S %Z %Y', summer, 'UTC')).to.equal('Sat Jul  4 13:05:09 UTC 2020');
    const epoch = Number((await sh('date +%s')).stdout);
    expect(Math.abs(epoch - Date.now() / 1000)).to.be.lessThan(30);
    expect((await sh('date -u +%Z')).stdout).to.equal('UTC\n');
    expect((await sh('date')).stdout).to.match(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d (GMT|BST) \d{4}\n$/);
    const set = await sh('date 010100002030');
    expect([set.code, set.stderr]).to.deep.equal([1, 'date: cannot set date: Operation not permitted\n']);
  });

  it('which prints paths and fails for unknown names; locksettings answers with LockSettingsShellCommand’s lines', async () => {
    expect((await sh('which getprop am locksettings')).stdout).to.equal('/system/bin/getprop\n/system/bin/am\n/system/bin/locksettings\n');
    expect((await sh('which nosuchtool')).code).to.equal(1);
    expect((await sh('locksettings help')).stdout).to.contain('get-disabled [--old <CREDENTIAL>] [--user USER_ID]');
    expect((await sh('locksettings get-disabled')).stdout).to.equal('false\n');
    expect((await sh('locksettings set-pin 1234')).stdout).to.equal("Pin set to '1234'\n");
    const wrong = await sh('locksettings get-disabled');
    expect([wrong.code, wrong.stderr]).to.deep.equal([255, "Old password '' didn't match\n"]);
    expect((await sh('locksettings clear --old 1234')).stdout).to.equal('Lock credential cleared\n');
  });

  it('dumpsys input has SurfaceOrientation following the rotation; dumpsys deviceidle whitelist adds and lists', async () => {
    expect((await sh('dumpsys input')).stdout).to.match(/\n\s+SurfaceOrientation: 0\n/);
    await sh('settings put system accelerometer_rotation 0');
    await sh('settings put system user_rotation 1');
    const rotated = (await sh('dumpsys input')).stdout;
    expect(rotated).to.match(/\n\s+SurfaceOrientation: 1\n/);
    expect(rotated).to.contain('SurfaceWidth: 2340px');
    await sh('settings put system user_rotation 0');
    expect((await sh('dumpsys deviceidle whitelist +com.android.browser')).stdout).to.equal('Added: com.android.browser\n');
    expect((await sh('dumpsys deviceidle whitelist +com.example.none')).stdout).to.equal('Unknown package: com.example.none\n');
    expect((await sh('dumpsys deviceidle whitelist')).stdout).to.match(/^user,com\.android\.browser,\d+$/m);
  });

  it('build properties: codename REL, per-partition fingerprints, first API level, baseband, adbd’s real port', async () => {
    const prop = async (name: string) => (await sh(`getprop ${name}`)).stdout.trim();
    expect(await prop('ro.build.version.codename')).to.equal('REL');
    const fingerprint = await prop('ro.build.fingerprint');
    expect(await prop('ro.vendor.build.fingerprint')).to.equal(fingerprint);
    expect(await prop('ro.bootimage.build.fingerprint')).to.equal(fingerprint);
    expect(await prop('ro.product.first_api_level')).to.equal('28');
    expect(await prop('gsm.version.baseband')).to.not.equal('');
    expect(await prop('service.adb.tcp.port')).to.equal(String(phone.port));
    expect(await prop('ro.build.description')).to.equal('ginkgo-user 10 QKQ1.200114.002 V11.0.6.0.QCOMIXM release-keys');
  });

  it('am start -W says COLD for a new process, HOT for a running one; ACTION_VIEW -d URL PKG loads the URL in that browser', async () => {
    await sh('am force-stop com.android.browser');
    expect((await sh('am start -W -n com.android.browser/.BrowserActivity')).stdout).to.contain('LaunchState: COLD');
    await sh('input keyevent 3');
    expect((await sh('am start -W -n com.android.browser/.BrowserActivity')).stdout).to.contain('LaunchState: HOT');
    // The first-run dialog covers the browser until the user agrees (android:id/button1).
    const find = (node: import('../../sim/ui.js').UiNode, id: string): import('../../sim/ui.js').UiNode | undefined =>
      node.resourceId === id ? node : node.children.map((c) => find(c, id)).find(Boolean);
    for (let agree = find(phone.android.apps.ui.hierarchy(), 'android:id/button1'); agree; agree = find(phone.android.apps.ui.hierarchy(), 'android:id/button1')) await phone.android.apps.ui.click(agree.key);
    const view = await sh('am start -W -a android.intent.action.VIEW -d https://view.example/page com.android.browser');
    expect(view.stdout).to.contain('Starting: Intent { act=android.intent.action.VIEW dat=https://view.example/page pkg=com.android.browser }');
    // No proxy here: the load fails offline, and the page the browser shows says so for that URL.
    // The screen the user sees: the browser in front with the offline error page for that URL.
    const shown = () => JSON.stringify(phone.android.apps.ui.hierarchy());
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !shown().includes('ERR_INTERNET_DISCONNECTED')) await new Promise((r) => setTimeout(r, 100));
    expect(phone.android.apps.focus()?.package).to.equal('com.android.browser');
    expect(shown()).to.contain('ERR_INTERNET_DISCONNECTED');
    expect(shown()).to.contain('view.example');
  });
});
