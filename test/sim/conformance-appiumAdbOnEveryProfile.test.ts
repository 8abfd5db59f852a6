import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ensureAndroidHome } from '../../harness/drive/index.js';
import { SimulatedPhone } from '../../sim/index.js';
import { listProfiles, loadProfile } from '../../sim/profiles/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// Conformance with a client nobody here wrote: appium-adb's ADB class, the library the stock
// UiAutomator2 driver ships (node_modules/appium-uiautomator2-driver/node_modules/appium-adb),
// whose parsers were written against real devices. Each of its methods below runs unchanged
// against every shipped profile, through Debian's real adb on a private server.

interface AppiumAdb {
  getConnectedDevices(): Promise<Array<{ udid: string; state: string }>>;
  getApiLevel(): Promise<number>;
  getPlatformVersion(): Promise<string>;
  shell(cmd: string[] | string): Promise<string>;
  getModel(): Promise<string>;
  getManufacturer(): Promise<string>;
  getDeviceProperty(name: string): Promise<string>;
  listInstalledPackages(): Promise<Array<{ appPackage: string }>>;
  isAppInstalled(pkg: string): Promise<boolean>;
  getPackageInfo(pkg: string): Promise<{ name: string; isInstalled: boolean; versionName?: string; versionCode?: number }>;
  getFocusedPackageAndActivity(): Promise<{ appPackage: string | null; appActivity: string | null }>;
  getScreenSize(): Promise<string | null>;
  getScreenDensity(): Promise<number | null>;
  getScreenOrientation(): Promise<number | null>;
  isScreenLocked(): Promise<boolean>;
  isLockManagementSupported(): Promise<boolean>;
  isLockEnabled(): Promise<boolean>;
  fileExists(remote: string): Promise<boolean>;
  ls(remote: string): Promise<string[]>;
  fileSize(remote: string): Promise<number>;
  push(local: string, remote: string): Promise<void>;
  pull(remote: string, local: string): Promise<void>;
  rimraf(remote: string): Promise<void>;
  forwardPort(system: number, device: number): Promise<void>;
  getForwardList(): Promise<string[]>;
  removePortForward(system: number): Promise<void>;
  reversePort(device: number, system: number): Promise<void>;
  getReverseList(): Promise<string[]>;
  removePortReverse(device: number): Promise<void>;
  listProcessStatus(): Promise<string>;
  getProcessIdsByName(name: string): Promise<number[]>;
  getProcessNameById(pid: number): Promise<string>;
  processExists(name: string): Promise<boolean>;
  startApp(options: { pkg: string; activity: string; waitForLaunch?: boolean }): Promise<string>;
  isAppRunning(pkg: string): Promise<boolean>;
  forceStop(pkg: string): Promise<void>;
  install(apk: string, options?: Record<string, unknown>): Promise<void>;
  resolveLaunchableActivity(pkg: string): Promise<string>;
  uninstallApk(pkg: string): Promise<boolean>;
  root(): Promise<{ isSuccessful: boolean }>;
  unroot(): Promise<{ isSuccessful: boolean }>;
  isRoot(): Promise<boolean>;
  getSetting(namespace: string, key: string): Promise<string>;
  getTimeZone(): Promise<string>;
  getDeviceLocale(): Promise<string>;
  isAirplaneModeOn(): Promise<boolean>;
  takeScreenshot(): Promise<Buffer>;
  listFeatures(): Promise<string[]>;
  listPorts(): Promise<Array<{ port: number; family: string }>>;
  getDeviceIdleWhitelist(): Promise<string[]>;
  addToDeviceIdleWhitelist(...pkgs: string[]): Promise<boolean>;
  isEmulatorConnected(): Promise<boolean>;
  ping(): Promise<boolean>;
}

async function appiumAdbClass(): Promise<{ createADB(opts: Record<string, unknown>): Promise<AppiumAdb> }> {
  const require = createRequire(import.meta.url);
  const driverDir = path.dirname(require.resolve('appium-uiautomator2-driver/package.json'));
  const entry = path.join(driverDir, 'node_modules', 'appium-adb', 'build', 'lib', 'index.js');
  const module = (await import(pathToFileURL(entry).href)) as { ADB: { createADB(opts: Record<string, unknown>): Promise<AppiumAdb> } };
  return module.ADB;
}

describe('conformance: appium-adb’s ADB class works on every profile', function () {
  this.timeout(60_000);
  const adb = new PrivateAdb();
  let dir: string;
  let ADB: Awaited<ReturnType<typeof appiumAdbClass>>;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-conformance-appium-adb-'));
    await adb.start();
    ADB = await appiumAdbClass();
  });
  after(async function () {
    await adb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const name of listProfiles()) {
    describe(name, function () {
      const profile = loadProfile(name);
      const d = profile.device;
      const screen = d.screen ?? { width: 1080, height: 2340, density: 440 };
      const browser = profile.apps.find((a) => (a.kind ?? 'browser') === 'browser')!;
      let phone: SimulatedPhone;
      let a: AppiumAdb;

      before(async function () {
        phone = new SimulatedPhone({ profile, port: 0 });
        await phone.start();
        await adb.connect(phone.serial);
        a = await ADB.createADB({ sdkRoot: ensureAndroidHome(), adbPort: adb.port, suppressKillServer: true, udid: phone.serial, adbExecTimeout: 30_000 });
        if (browser.preinstalled === false) {
          const apk = path.join(dir, `${name}-browser.apk`);
          fs.writeFileSync(apk, buildApk(browser.package, 340, '3.4.0', 0, { launcherActivity: browser.activity }));
          expect((await adb.run(['-s', phone.serial, 'install', apk])).stdout).to.contain('Success');
        }
      });
      after(async function () {
        await adb.run(['disconnect', phone.serial]);
        await phone?.stop();
      });

      it('device, build and properties: getConnectedDevices, getApiLevel, getPlatformVersion, getModel, getDeviceProperty, shell', async function () {
        expect(await a.getConnectedDevices()).to.deep.include({ udid: phone.serial, state: 'device' });
        expect(await a.getApiLevel()).to.equal(d.sdk);
        expect(await a.getPlatformVersion()).to.equal(d.release);
        expect(await a.getModel()).to.equal(d.model);
        expect(await a.getManufacturer()).to.equal(d.manufacturer);
        expect(await a.getDeviceProperty('ro.build.version.codename')).to.equal('REL');
        expect(await a.getDeviceProperty('ro.build.fingerprint')).to.match(/^[^/]+\/[^/]+\/[^:]+:[^/]+\/[^/]+\/[^:]+:(user|userdebug|eng)\/(release|dev|test)-keys$/);
        expect(await a.getDeviceProperty('ro.vendor.build.fingerprint')).to.equal(await a.getDeviceProperty('ro.build.fingerprint'));
        expect(Number(await a.getDeviceProperty('ro.product.first_api_level'))).to.be.within(14, d.sdk);
        expect(await a.getDeviceProperty('gsm.version.baseband')).to.not.equal('');
        expect(await a.getDeviceProperty('service.adb.tcp.port')).to.equal(String(phone.port));
        expect(await a.shell(['echo', 'hello world'])).to.equal('hello world');
        expect(await a.ping()).to.equal(true);
        expect(await a.getTimeZone()).to.equal('Europe/London');
        expect(await a.getDeviceLocale()).to.match(/^[a-z]{2}-[A-Z]{2}$/);
        expect(await a.isAirplaneModeOn()).to.equal(false);
        expect(await a.isEmulatorConnected()).to.equal(false); // a TCP serial, not emulator-NNNN
        expect(await a.listFeatures()).to.include.members(['shell_v2', 'cmd', 'stat_v2']);
      });

      it('packages: listInstalledPackages, isAppInstalled, getPackageInfo', async function () {
        const packages = (await a.listInstalledPackages()).map((p) => p.appPackage);
        expect(packages).to.include(browser.package);
        expect(await a.isAppInstalled(browser.package)).to.equal(true);
        expect(await a.isAppInstalled('com.example.absent')).to.equal(false);
        const info = await a.getPackageInfo(browser.package);
        expect(info.isInstalled).to.equal(true);
        // appium-adb reads only a dotted-number versionName (/versionName=([\d+.]+)/): 'V5-4.3' gives none.
        if (/^[\d.]+/.test(browser.version ?? '')) expect(info.versionName).to.be.a('string').and.not.equal('');
        expect(info.versionCode).to.be.a('number');
      });

      it('screen: getScreenSize, getScreenDensity, getScreenOrientation, isScreenLocked, locksettings', async function () {
        expect(await a.getScreenSize()).to.equal(`${screen.width}x${screen.height}`);
        expect(await a.getScreenDensity()).to.equal(screen.density);
        expect(await a.getScreenOrientation()).to.equal(0);
        expect(await a.isScreenLocked()).to.equal(false);
        // `locksettings` exists from Android 8.0; a phone with a swipe lock screen is not "disabled".
        expect(await a.isLockManagementSupported()).to.equal(d.sdk >= 26);
        if (d.sdk >= 26) expect(await a.isLockEnabled()).to.equal(true);
      });

      it('files: fileExists, push, ls, fileSize, pull, rimraf', async function () {
        const local = path.join(dir, `${name}.txt`);
        fs.writeFileSync(local, `conformance ${name}\n`);
        expect(await a.fileExists('/system/build.prop')).to.equal(true);
        expect(await a.fileExists('/data/local/tmp/absent')).to.equal(false);
        await a.push(local, '/data/local/tmp/conformance.txt');
        expect(await a.ls('/data/local/tmp')).to.include('conformance.txt');
        expect(await a.fileSize('/data/local/tmp/conformance.txt')).to.equal(fs.statSync(local).size);
        const back = path.join(dir, `${name}-back.txt`);
        await a.pull('/data/local/tmp/conformance.txt', back);
        expect(fs.readFileSync(back, 'utf8')).to.equal(`conformance ${name}\n`);
        await a.rimraf('/data/local/tmp/conformance.txt');
        expect(await a.fileExists('/data/local/tmp/conformance.txt')).to.equal(false);
      });

      it('ports: forwardPort, reversePort and their lists, listPorts', async function () {
        await a.forwardPort(47001, 6790);
        expect(await a.getForwardList()).to.include(`${phone.serial} tcp:47001 tcp:6790`);
        await a.removePortForward(47001);
        expect(await a.getForwardList()).to.not.include(`${phone.serial} tcp:47001 tcp:6790`);
        await a.reversePort(8080, 47002);
        expect((await a.getReverseList()).join('\n')).to.contain('tcp:8080 tcp:47002');
        await a.removePortReverse(8080);
        expect((await a.getReverseList()).join('\n')).to.not.contain('tcp:8080');
        expect((await a.listPorts()).map((p) => p.port)).to.include(phone.port);
      });

      it('processes and apps: startApp, getFocusedPackageAndActivity, isAppRunning, processExists, getProcessIdsByName, forceStop', async function () {
        expect(await a.startApp({ pkg: browser.package, activity: browser.activity, waitForLaunch: true })).to.contain('Status: ok');
        expect(await a.getFocusedPackageAndActivity()).to.deep.equal({ appPackage: browser.package, appActivity: browser.activity });
        expect(await a.isAppRunning(browser.package)).to.equal(true);
        expect(await a.processExists(browser.package)).to.equal(true);
        const [pid] = await a.getProcessIdsByName(browser.package);
        expect(pid).to.be.a('number');
        expect(await a.getProcessNameById(pid!)).to.equal(browser.package);
        expect(await a.listProcessStatus()).to.match(new RegExp(`\\b${pid}\\b.*${browser.package.replace(/\./g, '\\.')}`));
        await a.forceStop(browser.package);
        expect(await a.isAppRunning(browser.package)).to.equal(false);
        expect(await a.processExists(browser.package)).to.equal(false);
        expect(Buffer.from(await a.takeScreenshot()).subarray(1, 4).toString()).to.equal('PNG');
      });

      it('install, resolveLaunchableActivity and uninstall of a small real APK (refused where the phone refuses it)', async function () {
        const apk = path.join(dir, `${name}-small.apk`);
        fs.writeFileSync(apk, buildApk('com.example.conformance', 3, '1.0.3', 0, { launcherActivity: '.Main' }));
        if (d.developerOptions?.installViaUsb === false) {
          const refused = await a.install(apk).then(() => null, (e: Error) => e);
          expect(refused?.message).to.contain('INSTALL_FAILED_USER_RESTRICTED');
          phone.android.developerOptions.set('installViaUsb', true);
        }
        await a.install(apk);
        expect(await a.isAppInstalled('com.example.conformance')).to.equal(true);
        expect(await a.resolveLaunchableActivity('com.example.conformance')).to.equal('com.example.conformance/.Main');
        expect(await a.uninstallApk('com.example.conformance')).to.equal(true);
        expect(await a.isAppInstalled('com.example.conformance')).to.equal(false);
      });

      it('root: adb root only where the build allows it; the Doze whitelist', async function () {
        await a.root();
        const rootable = d.buildType !== 'user' && d.rootable === true;
        expect(await a.isRoot()).to.equal(rootable);
        if (rootable) await a.unroot();
        expect(await a.isRoot()).to.equal(false);
        if (d.sdk >= 23) {
          expect(await a.addToDeviceIdleWhitelist(browser.package)).to.equal(true);
          expect(await a.getDeviceIdleWhitelist()).to.include(`user,${browser.package},${(await a.shell(['pm', 'list', 'packages', '-U', browser.package])).match(/uid:(\d+)/)?.[1]}`);
        }
      });
    });
  }
});
