import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { remote } from 'webdriverio';
import { AppiumServer } from '../../harness/drive/index.js';
import type { Profile } from '../../sim/profile.js';
import { SimulatedPhone } from '../../sim/index.js';
import { listProfiles, loadProfile } from '../../sim/profiles/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// Conformance with a client nobody here wrote: Appium 3.8 + the stock UiAutomator2 driver 8.7,
// reached by WebdriverIO with the standard capabilities a new user types (platformName,
// automationName, udid, appPackage) — no skipDeviceInitialization, skipServerInstallation or
// noReset. The only extra is the private adb server's port, which AppiumServer makes the default
// of every session (a private server keeps this file off the machine's shared 5037).
// Every shipped profile is driven, each where a real phone of its mode would stop:
// - Android < 8: the driver itself refuses ("UIAutomator2 only supports Android 8.0 (Oreo) and above");
// - retail MIUI with its options off: session start fails on the driver's hidden-API `settings`
//   writes with Android's SecurityException (appium/appium#13802), then on installing the Appium
//   Settings helper with INSTALL_FAILED_USER_RESTRICTED, and works once the user has turned on
//   "USB debugging (Security settings)" and "Install via USB".

interface Browser {
  pkg: string;
  activity: string;
  addressBar: 'omnibox' | 'hint' | 'plain';
  preinstalled: boolean;
}

function browserOf(profile: Profile): Browser {
  const app = profile.apps.find((a) => (a.kind ?? 'browser') === 'browser');
  if (!app) throw new Error(`profile ${profile.name} has no browser`);
  return { pkg: app.package, activity: app.activity, addressBar: app.addressBar ?? 'plain', preinstalled: app.preinstalled !== false };
}

describe('conformance: a plain WebdriverIO session with standard capabilities drives every profile', function () {
  this.timeout(120_000);
  const adb = new PrivateAdb();
  let appium: AppiumServer;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-conformance-wdio-'));
    await adb.start();
    appium = new AppiumServer({ host: '127.0.0.1', port: 0, adbPort: adb.port, logFile: path.join(dir, 'appium.log') });
    await appium.start();
  });
  after(async function () {
    await appium?.stop();
    await adb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const session = (serial: string, pkg: string) =>
    remote({
      hostname: '127.0.0.1',
      port: appium.port,
      path: '/',
      logLevel: 'silent',
      connectionRetryCount: 0,
      capabilities: { platformName: 'Android', 'appium:automationName': 'UiAutomator2', 'appium:udid': serial, 'appium:appPackage': pkg },
    });

  for (const name of listProfiles()) {
    describe(name, function () {
      const profile = loadProfile(name);
      const browser = browserOf(profile);
      let phone: SimulatedPhone;

      before(async function () {
        phone = new SimulatedPhone({ profile, port: 0 });
        await phone.start();
        await adb.connect(phone.serial);
        if (!browser.preinstalled) {
          // An emulator image has no Xiaomi browser: install it as a user would (a real APK file).
          const apk = path.join(dir, `${name}.apk`);
          fs.writeFileSync(apk, buildApk(browser.pkg, 340, '3.4.0', 0, { launcherActivity: browser.activity }));
          const installed = await adb.run(['-s', phone.serial, 'install', apk]);
          expect(installed.stdout, installed.stderr).to.contain('Success');
        }
      });
      after(async function () {
        await adb.run(['disconnect', phone.serial]);
        await phone?.stop();
      });

      if (profile.device.sdk < 26) {
        it('the stock driver refuses the phone as it refuses a real Android < 8 phone', async function () {
          const error = await session(phone.serial, browser.pkg).then(
            async (driver) => {
              await driver.deleteSession();
              return null;
            },
            (e: Error) => e,
          );
          expect(error?.message).to.contain('UIAutomator2 only supports Android 8.0 (Oreo) and above');
        });
        return;
      }

      const securityOff = profile.device.developerOptions?.usbDebuggingSecuritySettings === false;
      const installOff = profile.device.developerOptions?.installViaUsb === false;
      if (securityOff || installOff) {
        it('refuses to start until the user turns MIUI’s options on, each with the real refusal', async function () {
          const attempt = () =>
            session(phone.serial, browser.pkg).then(
              async (driver) => {
                await driver.deleteSession();
                return null;
              },
              (e: Error) => e,
            );
          if (securityOff) {
            // The driver's hidden-API `settings` writes fail first (appium/appium#13802).
            expect((await attempt())?.message).to.contain('java.lang.SecurityException: Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS');
            phone.android.developerOptions.set('usbDebuggingSecuritySettings', true);
          }
          if (installOff) {
            // Then installing the driver's Appium Settings helper (newer than the phone has) is refused.
            expect((await attempt())?.message).to.contain('INSTALL_FAILED_USER_RESTRICTED');
            phone.android.developerOptions.set('installViaUsb', true);
          }
        });
      }

      it('page source, find by id, type, Enter, screenshot, contexts, background/activate, app state, terminate, landscape', async function () {
        const driver = await session(phone.serial, browser.pkg);
        try {
          expect(await driver.getCurrentPackage()).to.equal(browser.pkg);
          for (let i = 0; i < 5 && (await driver.$('id=android:id/button1').isExisting()); i++) await driver.$('id=android:id/button1').click();

          const source = await driver.getPageSource();
          expect(source).to.match(/^<\?xml version='1\.0' encoding='UTF-8' standalone='yes' \?>\n<hierarchy index="0" class="hierarchy" rotation="0"/);
          expect(source).to.contain(`package="${browser.pkg}"`);

          // Find by id (bare ids take the app's package, as the real server does), type, Enter.
          let field = driver.$('id=url');
          if (browser.addressBar === 'omnibox') field = driver.$('id=url_bar');
          if (browser.addressBar === 'hint') await driver.$('id=search_hint').click();
          await field.click();
          const url = `https://conformance.example/${name}`;
          await field.setValue(url);
          expect(await field.getText()).to.equal(url);
          await driver.pressKeyCode(66);
          // No proxy and no network on this phone: the page is Chromium's offline error, as on a phone in airplane mode.
          await driver.waitUntil(async () => (await driver.getPageSource()).includes('ERR_INTERNET_DISCONNECTED'), { timeout: 10_000, timeoutMsg: `Enter did not load ${url}` });

          const png = PNG.sync.read(Buffer.from(await driver.takeScreenshot(), 'base64'));
          const screen = profile.device.screen ?? { width: 1080, height: 2340 };
          expect([png.width, png.height]).to.deep.equal([screen.width, screen.height]);

          expect(await driver.getContexts()).to.deep.equal(['NATIVE_APP']);

          expect(await driver.queryAppState(browser.pkg)).to.equal(4); // running in foreground
          await driver.background(-1);
          expect(await driver.getCurrentPackage()).to.equal('com.miui.home');
          expect(await driver.queryAppState(browser.pkg)).to.equal(3); // running in background
          await driver.activateApp(browser.pkg);
          expect(await driver.getCurrentPackage()).to.equal(browser.pkg);
          expect(await driver.queryAppState(browser.pkg)).to.equal(4);

          await driver.setOrientation('LANDSCAPE');
          expect(await driver.getOrientation()).to.equal('LANDSCAPE');
          expect(await driver.getWindowSize()).to.deep.equal({ width: screen.height, height: screen.width });
          expect(await driver.getPageSource()).to.contain(`rotation="3" width="${screen.height}" height="${screen.width}"`);
          expect((await adb.shell(phone.serial, 'settings get system user_rotation')).stdout.trim()).to.equal('3');
          await driver.setOrientation('PORTRAIT');
          expect(await driver.getOrientation()).to.equal('PORTRAIT');

          expect(await driver.terminateApp(browser.pkg)).to.equal(true);
          expect(await driver.queryAppState(browser.pkg)).to.equal(1); // installed, not running
        } finally {
          await driver.deleteSession().catch(() => undefined);
        }
      });
    });
  }
});
