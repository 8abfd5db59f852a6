import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { readAppVersions } from '../../harness/device/index.js';
import type { AppResolver } from '../../harness/device/appInstall.js';
import { buildApk } from '../sim/adbd-support/apkBuilder.js';
import { PhoneLab } from './phoneFixture.js';

const MINT = 'com.mi.globalbrowser.mini';
/** What the mint profile says of its app (harness/drive/browsers/mintBrowser.ts). */
const resolveApp: AppResolver = (browser) => (browser === 'mint' ? { packages: [MINT], expectedVersions: ['3.4.0', '3.4.3'] } : undefined);

describe('device: devices.json `apps` — provisioning installs the APKs, checks the version, records sha256', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-apps-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs the APK with adb install -r -g, and records its sha256, the version now installed and the one it replaced', async () => {
    const apk = buildApk(MINT, 343, '3.4.3');
    await writeFile(path.join(dir, 'mint-3.4.3.apk'), apk);
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone, { apps: { mint: 'mint-3.4.3.apk' } }, { baseDir: dir });
    const provisioning = await session.provision({ proxyPort: 18501, caCertPem: caPem, reassertMs: 0, resolveApp });
    expect(provisioning.installedApps).to.deep.equal([{
      browser: 'mint', package: MINT, versionName: '3.4.3', replaced: '3.4.0',
      files: [{ path: path.join(dir, 'mint-3.4.3.apk'), sha256: createHash('sha256').update(apk).digest('hex') }],
    }]);
    expect((await readAppVersions(session.adb, [MINT]))[0]?.version).to.equal('3.4.3');
    expect((await provisioning.undo()).ok).to.equal(true);
  });

  it('an APK of a version the profile is not written for is a failure naming the browser, the versions and the fix', async () => {
    await writeFile(path.join(dir, 'mint-9.apk'), buildApk(MINT, 900, '9.0.0'));
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone, { apps: { mint: 'mint-9.apk' } }, { baseDir: dir });
    const before = (await session.adb.shell('settings get global http_proxy')).trim();
    const error = await session.provision({ proxyPort: 18502, caCertPem: caPem, reassertMs: 0, resolveApp }).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^apps step failed on 127\.0\.0\.1:\d+: mint: installed com\.mi\.globalbrowser\.mini 9\.0\.0, but the profile is written for 3\.4\.0 or 3\.4\.3; use an APK of 3\.4\.0 or 3\.4\.3 in devices\.json 'apps' \(changes undone\)$/);
    expect((await session.adb.shell('settings get global http_proxy')).trim()).to.equal(before);
  });

  it('MIUI refusing the install (Install via USB off): the failure says which toggle to turn on', async () => {
    await writeFile(path.join(dir, 'mint-3.4.0.apk'), buildApk(MINT, 340, '3.4.0'));
    const phone = await lab.phone('retail-miui-android10');
    phone.android.developerOptions.set('usbDebuggingSecuritySettings', true);
    const session = await lab.session(phone, { apps: { mint: 'mint-3.4.0.apk' } }, { baseDir: dir });
    const error = await session.provision({ proxyPort: 18503, caCertPem: caPem, reassertMs: 0, resolveApp }).then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^apps step failed on .*: installing mint \(mint-3\.4\.0\.apk\): .*INSTALL_FAILED_USER_RESTRICTED.*; turn on Developer options › Install via USB/);
  });

  it('an `apps` key that is not a browser profile is refused before anything changes', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone, { name: 'note8', apps: { chrome: 'chrome.apk' } });
    const error = await session.provision({ proxyPort: 18504, caCertPem: caPem, reassertMs: 0, resolveApp }).then(() => null, (e: Error) => e);
    expect(error?.message).to.equal("devices.json: device 'note8': field 'apps.chrome' names no browser profile; use a profile name as the key (the browsers phonehome drives)");
  });
});
