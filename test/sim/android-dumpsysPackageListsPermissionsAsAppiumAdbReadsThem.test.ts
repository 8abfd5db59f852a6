import { expect } from 'chai';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureAndroidHome } from '../../harness/drive/index.js';
import { DANGEROUS, requestedPermissions } from '../../sim/android/appPermissions.js';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

const PRO = 'com.mi.globalbrowser';

interface PermissionAdb {
  getReqPermissions(pkg: string): Promise<string[]>;
  getGrantedPermissions(pkg: string): Promise<string[]>;
  getDeniedPermissions(pkg: string): Promise<string[]>;
  grantPermission(pkg: string, permission: string): Promise<void>;
  revokePermission(pkg: string, permission: string): Promise<void>;
  shell(cmd: string[] | string): Promise<string>;
}

/** appium-adb as the stock UiAutomator2 driver ships it (its own parsers read dumpsys package). */
async function appiumAdb(): Promise<{ createADB(opts: Record<string, unknown>): Promise<PermissionAdb> }> {
  const require = createRequire(import.meta.url);
  const driverDir = path.dirname(require.resolve('appium-uiautomator2-driver/package.json'));
  const entry = path.join(driverDir, 'node_modules', 'appium-adb', 'build', 'lib', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as { ADB: { createADB(opts: Record<string, unknown>): Promise<PermissionAdb> } }).ADB;
}

describe('sim android: dumpsys package lists requested, install and runtime permissions as appium-adb reads them', function () {
  this.timeout(60_000);
  const adb = new PrivateAdb();
  const profile = loadProfile('redmi-note-8-2020');
  const phone = new SimulatedPhone({ profile, port: 0 });
  let a: PermissionAdb;

  before(async () => {
    await adb.start();
    await phone.start();
    await adb.connect(phone.serial);
    a = await (await appiumAdb()).createADB({ sdkRoot: ensureAndroidHome(), adbPort: adb.port, suppressKillServer: true, udid: phone.serial, adbExecTimeout: 30_000 });
  });
  after(async () => {
    await adb.run(['disconnect', phone.serial]);
    await phone.stop();
    await adb.stop();
  });

  it('requested = the manifest list; granted = the normal ones; denied = the dangerous ones until granted', async () => {
    const requested = requestedPermissions(profile, PRO)!;
    const dangerous = requested.filter((p) => DANGEROUS.has(p));
    expect(dangerous.length).to.be.greaterThan(0);
    expect(await a.getReqPermissions(PRO)).to.have.members(requested);
    expect(await a.getGrantedPermissions(PRO)).to.have.members(requested.filter((p) => !DANGEROUS.has(p)));
    expect(await a.getDeniedPermissions(PRO)).to.have.members(dangerous);
    const dump = await a.shell(['dumpsys', 'package', PRO]);
    expect(dump).to.match(/\n {4}requested permissions:\n {6}android\.permission\.INTERNET\n/);
    expect(dump).to.match(/\n {4}install permissions:\n {6}android\.permission\.INTERNET: granted=true\n/);
    expect(dump).to.match(/\n {4}User 0: [^\n]*\n {6}runtime permissions:\n {8}android\.permission\.\w+: granted=false\n/);

    await a.grantPermission(PRO, dangerous[0]!);
    expect(await a.getGrantedPermissions(PRO)).to.include(dangerous[0]);
    expect(await a.getDeniedPermissions(PRO)).to.not.include(dangerous[0]);
    await a.revokePermission(PRO, dangerous[0]!);
    expect(await a.getDeniedPermissions(PRO)).to.include(dangerous[0]);
  });

  it('refuses to grant what the app did not request, and a normal permission, with Android\'s SecurityException', async () => {
    const notRequested = [...DANGEROUS].find((p) => !requestedPermissions(profile, PRO)!.includes(p))!;
    const error = await a.grantPermission(PRO, notRequested).then(() => null, (e: Error) => e);
    expect(error?.message).to.contain(`Package ${PRO} has not requested permission ${notRequested}`);
    // A normal permission: refused with the text appium-adb's grantPermission knows and lets pass (NOT_CHANGEABLE_PERM_ERROR).
    const normal = await adb.run(['-s', phone.serial, 'shell', 'pm', 'grant', PRO, 'android.permission.INTERNET']);
    expect(normal.code).to.equal(255);
    expect(normal.stderr).to.match(/^Security exception: Permission android\.permission\.INTERNET requested by com\.mi\.globalbrowser is not a changeable permission type\n\njava\.lang\.SecurityException: /);
    await a.grantPermission(PRO, 'android.permission.INTERNET');
    expect(await a.getGrantedPermissions(PRO)).to.not.include(notRequested);
  });

  it('varies the unverified lists between profiles', () => {
    const lists = ['redmi-note-8-2020', 'mi-10-2020', 'redmi-k20-2020', 'mi-mix-3-2020'].map((n) => requestedPermissions(loadProfile(n), PRO)!.join(','));
    expect(new Set(lists).size).to.be.greaterThan(1);
  });
});
