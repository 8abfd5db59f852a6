import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../harness/device/index.js';
import { AppiumServer } from '../../harness/drive/index.js';
import { SimulatedPhone } from '../../sim/phone.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { Profile } from '../../sim/profile.js';
import { buildApk } from '../sim/adbd-support/apkBuilder.js';
import { sh } from '../sim/android-support.js';
import { installProfileApks } from '../sim/android-support-apps.js';
import { phonehome, simDeviceEntries } from '../scenario/simPhones.js';

const MINT = 'com.mi.globalbrowser.mini';

/** A simulated phone in this process, set up as its user left it, for a run to connect to (no launch). */
async function phoneAsLeft(profileName: string, setUp: (phone: SimulatedPhone) => Promise<void> | void, tweak?: (profile: Profile) => void): Promise<SimulatedPhone> {
  const profile = loadProfile(profileName);
  tweak?.(profile);
  const phone = new SimulatedPhone({ profile, port: 0 });
  await phone.start();
  await setUp(phone);
  return phone;
}

/** `phonehome run` end to end on the simulator's real-phone modes (each run launches its phone). */
describe('device: `phonehome run` on each real-phone mode — retail stops with the fix or goes through the certificate installer; Magisk, Android 14 and an AOSP emulator pass their suites', function () {
  this.timeout(300_000);
  let dir: string;
  let devices: string;
  const inProcess: SimulatedPhone[] = [];
  let appium: AppiumServer;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-modes-'));
    // One Appium server for every run (devices.json appiumUrl, as a farm gives it): each session
    // names its run's private adb server (appium:adbPort), so the runs need not start their own.
    appium = new AppiumServer({ port: 0, adbPort: await freePort(), logFile: path.join(dir, 'appium.log') });
    await appium.start();
    await writeFile(path.join(dir, 'mint-3.4.0.apk'), buildApk('com.mi.globalbrowser.mini', 341, '3.4.0'));
    const [retail, emulator, magisk] = await simDeviceEntries([
      { name: 'retail', profile: 'retail-miui-android10' },
      { name: 'emu', profile: 'rooted-emulator' },
      { name: 'magisk', profile: 'magisk-rooted-retail' },
    ]) as Array<Record<string, unknown>>;
    // Retail, its user having turned on "USB debugging (Security settings)" and "Install via USB".
    const retailOn = await phoneAsLeft('retail-miui-android10', () => undefined, (p) => {
      p.device.developerOptions = { usbDebuggingSecuritySettings: true, installViaUsb: true };
    });
    // An Android 14 emulator with Mint installed and already running when the run starts.
    const android14 = await phoneAsLeft('aosp-emulator-android14', async (phone) => {
      await installProfileApks({ device: phone.android });
      const started = await sh(phone.android, `am start -n ${MINT}/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity`);
      if (/Error/.test(started.stdout + started.stderr)) throw new Error(started.stdout + started.stderr);
    });
    inProcess.push(retailOn, android14);
    devices = path.join(dir, 'devices.json');
    await writeFile(devices, JSON.stringify({
      devices: [
        retail, { ...emulator, apps: { mint: 'mint-3.4.0.apk' } }, magisk,
        { name: 'retail-on', serial: retailOn.serial },
        { name: 'android14', serial: android14.serial },
      ].map((entry) => ({ ...entry, appiumUrl: appium.url })),
    }));
  });
  after(async () => {
    await appium?.stop().catch(() => undefined);
    for (const phone of inProcess) await phone.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('retail MIUI, "USB debugging (Security settings)" off: exit 2 with the one-line fix, before any test', async () => {
    const result = await phonehome(['run', 'smoke', '--browser', 'mint', '--devices', devices, '--device', 'retail', '--out', path.join(dir, 'r1')], { cwd: dir, timeoutMs: 120_000 });
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr, result.stderr).to.include('preflight failed on retail (nothing changed on the phone)');
    expect(result.stderr).to.include('turn on Developer options › USB debugging (Security settings) (needs a Mi account), and Install via USB; then re-plug');
    expect(result.stdout).not.to.match(/✓|✗/);
  });

  it('AOSP emulator: adb root, the APK from devices.json installed, forbes-2020 passes', async () => {
    const out = path.join(dir, 'r2');
    const result = await phonehome(['run', 'forbes-2020', '--browser', 'mint', '--devices', devices, '--device', 'emu', '--out', out], { cwd: dir, timeoutMs: 280_000 });
    expect(result.code, `${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`).to.equal(0);
    expect(result.stdout).to.match(/3 passed, 0 failed/);
    const run = JSON.parse(await readFile(path.join(out, 'latest', 'run.json'), 'utf8')) as { phones: Array<{ apps?: Array<{ package: string; version: string }> }> };
    // 341: the APK's build, not the emulator's 340; the file it came from, by name and sha256.
    const sha256 = createHash('sha256').update(await readFile(path.join(dir, 'mint-3.4.0.apk'))).digest('hex');
    expect(run.phones[0]?.apps).to.deep.include({ package: 'com.mi.globalbrowser.mini', version: '3.4.0', browser: 'mint', versionCode: 341, apks: [{ file: 'mint-3.4.0.apk', sha256 }] });
    const html = await readFile(path.join(out, 'latest', 'index.html'), 'utf8');
    expect(html).to.include(sha256);
  });

  it('retail MIUI with the toggles on, no root: the CA goes in as a user CA through the certificate installer (driven by Appium) and the run completes', async () => {
    const out = path.join(dir, 'r3');
    const result = await phonehome(['run', 'smoke', '--browser', 'mint', '--devices', devices, '--device', 'retail-on', '--out', out], { cwd: dir, timeoutMs: 280_000 });
    const said = `${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`;
    expect(result.code, said).to.equal(0);
    expect(result.stdout + result.stderr, said).to.include("confirming the certificate installer's dialog through Appium (name 'phonehome')");
    expect(result.stdout + result.stderr).to.match(/the capture CA is now a user CA named 'phonehome'/);
    expect(result.stdout).to.match(/2 passed, 0 failed/);
    // The CA is where the phone's apps read user CAs, installed by the system (not by a root cp).
    const phone = inProcess[0]!;
    expect((await sh(phone.android, 'ls -l /data/misc/user/0/cacerts-added', { root: true })).stdout).to.match(/-rw-r--r-- .*system +system .*\.0\n/);
  });

  it('Magisk: the CA mounted with --mount-master is seen inside the browser\'s own namespace; the smoke suite passes', async () => {
    const out = path.join(dir, 'r4');
    // smoke: forbes-2020 already passes on the emulator; what is new here is the CA as Mint sees it.
    const result = await phonehome(['run', 'smoke', '--browser', 'mint', '--devices', devices, '--device', 'magisk', '--out', out], { cwd: dir, timeoutMs: 280_000 });
    const said = `${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`;
    expect(result.code, said).to.equal(0);
    expect(result.stdout).to.match(/2 passed, 0 failed/);
    expect(result.stdout + result.stderr, said).to.match(new RegExp(`the CA is in ${MINT.replace(/\./g, '\\.')}'s own mount namespace \\(pid \\d+, /system/etc/security/cacerts/`));
  });

  it('Android 14 with Mint already running: the CA is bound into the running app\'s APEX store too; the smoke suite passes', async () => {
    const phone = inProcess[1]!;
    const pidBefore = (await sh(phone.android, `pidof ${MINT}`)).stdout.trim();
    expect(pidBefore).to.match(/^\d+$/);
    const out = path.join(dir, 'r5');
    // smoke, not forbes-2020 again: what is new here is provisioning (one visit shows the capture works).
    const result = await phonehome(['run', 'smoke', '--browser', 'mint', '--devices', devices, '--device', 'android14', '--out', out], { cwd: dir, timeoutMs: 280_000 });
    const said = `${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`;
    expect(result.code, said).to.equal(0);
    expect(result.stdout).to.match(/2 passed, 0 failed/);
    expect(result.stdout + result.stderr, said).to.match(new RegExp(`CA bound into the APEX store of the zygotes \\(pids [\\d, ]+\\) and of \\d+ running app\\(s\\) \\(pids [\\d, ]*\\b${pidBefore}\\b`));
    expect(result.stdout + result.stderr).to.match(new RegExp(`the CA is in ${MINT.replace(/\./g, '\\.')}'s own mount namespace \\(pid \\d+, /apex/com\\.android\\.conscrypt/cacerts/`));
  });
});
