import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AndroidDevice } from '../../sim/android/index.js';
import { createAppRuntime } from '../../sim/apps/index.js';
import { SimControlSocket, SimulatedPhone, sendControlCommand } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { startUiAutomator2Instrumentation } from '../../sim/uiautomator/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { newRuntimeLog, testAppRuntime } from './adbd-support/testPhones.js';
import { sh } from './android-support.js';
import { phoneRequest } from './uiautomator-support/phoneHttp.js';

const SETTINGS_DENIAL = 'java.lang.SecurityException: Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS';
const INJECT_DENIAL = 'java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS permission';

describe('sim android: a retail MIUI phone refuses what MIUI refuses until its Developer options are on', function () {
  this.timeout(60000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;
  let dir: string;
  let control: SimControlSocket;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-retail-'));
    await adb.start();
    phone = new SimulatedPhone({ profile: loadProfile('retail-miui-android10'), port: 0, appRuntime: testAppRuntime(newRuntimeLog()) });
    await phone.start();
    control = new SimControlSocket(phone, join(dir, 'phone.sock'));
    await control.start();
    await adb.connect(phone.serial);
  });
  after(async () => {
    await adb.stop();
    await control?.stop();
    await phone?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships with both options off, and says so over the control socket', async () => {
    expect(await sendControlCommand(control.path, 'developer-options')).to.equal('ok usb-debugging-security=off install-via-usb=off');
    expect(await sendControlCommand(control.path, 'developer-options usb-debugging-security maybe')).to.match(/^error usage: /);
  });

  it('refuses `settings put|delete global|secure|system` with Android 10’s SecurityException text and status 255, but reads', async () => {
    for (const line of ['settings put global http_proxy 127.0.0.1:8080', 'settings put secure phonehome_probe 1', 'settings put system screen_brightness 10', 'settings delete global http_proxy']) {
      const result = await adb.run(['-s', phone.serial, 'shell', line]);
      expect(result.code, line).to.equal(255);
      // ShellCommand.exec on Android 10: "Security exception: <msg>", a blank line, the stack trace.
      expect(result.stderr, line).to.match(/^Security exception: Permission denial: writing to settings requires:android\.permission\.WRITE_SECURE_SETTINGS\n\n/);
      expect(result.stderr, line).to.contain(SETTINGS_DENIAL);
    }
    expect((await adb.shell(phone.serial, 'settings get global http_proxy')).stdout).to.equal('null\n');
    expect((await adb.shell(phone.serial, 'settings get secure android_id')).stdout).to.match(/^[0-9a-f]{16}\n$/);
    expect(phone.android.setting('global', 'http_proxy')).to.equal(undefined);
  });

  it('refuses `input keyevent|tap|text|swipe` with MIUI’s INJECT_EVENTS SecurityException (exit 1 from app_process)', async () => {
    for (const line of ['input keyevent 3', 'input tap 500 500', 'input text hello', 'input swipe 1 2 3 4']) {
      const result = await adb.run(['-s', phone.serial, 'shell', line]);
      expect(result.code, line).to.equal(1);
      expect(result.stderr.split('\n')[0], line).to.equal(INJECT_DENIAL);
      expect(result.stderr, line).to.contain('at com.android.commands.input.Input.main');
    }
  });

  it('refuses `adb install` and `pm install` with INSTALL_FAILED_USER_RESTRICTED until Install via USB is on', async () => {
    const apk = join(dir, 'settings.apk');
    writeFileSync(apk, buildApk('io.appium.settings', 50, '5.0.1'));
    const refused = await adb.run(['-s', phone.serial, 'install', apk]);
    expect(refused.code).to.equal(1);
    expect(refused.stdout + refused.stderr).to.contain('Failure [INSTALL_FAILED_USER_RESTRICTED: Install canceled by user]');
    expect((await adb.shell(phone.serial, 'pm path io.appium.settings')).stdout).to.equal('');
    expect((await adb.run(['-s', phone.serial, 'push', apk, '/data/local/tmp/s.apk'])).code).to.equal(0);
    expect((await adb.shell(phone.serial, 'pm install /data/local/tmp/s.apk')).stdout).to.equal('Failure [INSTALL_FAILED_USER_RESTRICTED: Install canceled by user]\n');

    expect(await sendControlCommand(control.path, 'developer-options install-via-usb on')).to.match(/^ok Install via USB is on; /);
    const installed = await adb.run(['-s', phone.serial, 'install', apk]);
    expect(installed.stdout).to.contain('Success');
    expect((await adb.shell(phone.serial, 'pm path io.appium.settings')).stdout).to.match(/^package:\/data\/app\//);
    // Install via USB does not grant settings or input: those stay refused.
    expect((await adb.run(['-s', phone.serial, 'shell', 'settings put global x 1'])).code).to.equal(255);
  });

  it('allows settings writes and input once USB debugging (Security settings) is turned on', async () => {
    expect(await sendControlCommand(control.path, 'developer-options usb-debugging-security on')).to.contain('usb-debugging-security=on install-via-usb=on');
    const put = await adb.run(['-s', phone.serial, 'shell', 'settings put global http_proxy 127.0.0.1:8080']);
    expect(put.code).to.equal(0);
    expect((await adb.shell(phone.serial, 'settings get global http_proxy')).stdout).to.equal('127.0.0.1:8080\n');
    expect((await adb.run(['-s', phone.serial, 'shell', 'input keyevent 3'])).code).to.equal(0);
    // …and turning it off again takes the permissions away again.
    await sendControlCommand(control.path, 'developer-options usb-debugging-security off');
    expect((await adb.run(['-s', phone.serial, 'shell', 'settings delete global http_proxy'])).code).to.equal(255);
  });

  it('lets root through (MIUI restricts the shell user, not uid 0)', async () => {
    const device = new AndroidDevice({ ...loadProfile('retail-miui-android10') });
    expect((await sh(device, 'settings put global http_proxy 1.2.3.4:5', { root: true })).code).to.equal(0);
    expect((await sh(device, 'settings put global http_proxy 1.2.3.4:5')).code).to.equal(255);
  });

  it('refuses UiAutomator2 clicks and key presses with INJECT_EVENTS, while typing (an accessibility action) works', async () => {
    const device = new AndroidDevice(loadProfile('retail-miui-android10'));
    const runtime = device.attachApps((ctx) => createAppRuntime(ctx, { netLimits: { connectTimeoutMs: 300, responseTimeoutMs: 1000 } }));
    const pkg = 'com.mi.globalbrowser.mini';
    const started = await runtime.startActivity({ package: pkg, activity: 'com.miui.org.chromium.chrome.browser.ChromeTabbedActivity' }, { stopFirst: false });
    expect(started.ok).to.equal(true);
    const run = startUiAutomator2Instrumentation(device, runtime, {});
    try {
      const call = (method: string, path: string, body?: unknown) => phoneRequest(device, 6790, method, path, body);
      const session = await call('POST', '/session', { capabilities: { alwaysMatch: { platformName: 'Android' } } });
      const id = session.body.sessionId as string;
      // A fresh Mint opens on its first-run dialog: a tap on its button is an injected event.
      const find = async (id_: string) => {
        const found = await call('POST', `/session/${id}/element`, { strategy: 'id', selector: id_ });
        expect(found.status, id_).to.equal(200);
        return Object.values(found.body.value as Record<string, string>)[0]!;
      };
      const button = await find('android:id/button1');
      const click = await call('POST', `/session/${id}/element/${button}/click`);
      expect(click.status).to.equal(500);
      expect(click.body.value.error).to.equal('unknown error');
      expect(click.body.value.message).to.equal(INJECT_DENIAL);
      const key = await call('POST', `/session/${id}/appium/device/press_keycode`, { keycode: 4 });
      expect(key.body.value.message).to.equal(INJECT_DENIAL);
      // The user turns the option on, gets past the dialogs, and off again: typing (setText, an
      // accessibility action) still works where taps are refused.
      device.developerOptions.set('usbDebuggingSecuritySettings', true);
      for (let i = 0; i < 5; i++) {
        const more = await call('POST', `/session/${id}/element`, { strategy: 'id', selector: 'android:id/button1' });
        if (more.status !== 200) break;
        await call('POST', `/session/${id}/element/${Object.values(more.body.value as Record<string, string>)[0]!}/click`);
      }
      device.developerOptions.set('usbDebuggingSecuritySettings', false);
      // Mint's omnibox (url_bar) is an editable field on its home screen (sim/EVIDENCE.md, Browsers).
      const bar = await find(`${pkg}:id/url_bar`);
      expect((await call('POST', `/session/${id}/element/${bar}/click`)).body.value.message).to.equal(INJECT_DENIAL);
      const typed = await call('POST', `/session/${id}/element/${bar}/value`, { text: 'example.com', replace: true });
      expect(typed.status).to.equal(200);
      device.developerOptions.set('usbDebuggingSecuritySettings', true);
      expect((await call('POST', `/session/${id}/appium/device/press_keycode`, { keycode: 4 })).status).to.equal(200);
    } finally {
      run.kill();
      await runtime.shutdown?.();
      device.shutdown();
    }
  });
});
