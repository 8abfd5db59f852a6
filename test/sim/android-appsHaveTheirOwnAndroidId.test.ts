import { expect } from 'chai';
import net from 'node:net';
import zlib from 'node:zlib';
import { parseSsaidXml, ssaidPath } from '../../harness/device/ssaid.js';
import { AndroidDevice, ROOT } from '../../sim/android/index.js';
import { createAppRuntime, type SimAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';
import { installProfileApks, phoneWithApps, startApp } from './android-support-apps.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';
import { startUiAutomator2Instrumentation } from '../../sim/uiautomator/index.js';
import type { PhoneContext } from '../../sim/services.js';
import { phoneRequest } from './uiautomator-support/phoneHttp.js';

const MINT = 'com.mi.globalbrowser.mini';
const PRO = 'com.mi.globalbrowser';
const USER_KEY = /<setting id="0" name="userkey" value="([0-9A-F]{64})" package="android" defaultValue="\1" defaultSysSet="true" tag="null" \/>/;

describe('sim android: each app has its own ANDROID_ID on Android 8+ (SSAID), the shell keeps its own', function () {
  this.timeout(60_000);

  it('Android 10: settings_ssaid.xml (text, system 0600) holds the user key, the shell\'s value and each browser\'s; the shell cannot read it', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const shellValue = phone.device.profile.device.androidId;
      expect((await sh(phone.device, 'settings get secure android_id')).stdout.trim()).to.equal(shellValue);
      const asShell = await sh(phone.device, `cat ${ssaidPath(0)}`);
      expect(asShell.code).to.equal(1);
      expect(asShell.stderr).to.match(/Permission denied/);
      expect((await sh(phone.device, `ls -l ${ssaidPath(0)}`, { root: true })).stdout).to.match(/^-rw------- +1 system +system /);
      const xml = (await sh(phone.device, `cat ${ssaidPath(0)}`, { root: true })).stdout;
      expect(xml.split('\n')[0]).to.equal("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>");
      expect(xml).to.match(USER_KEY);
      expect(xml).to.contain(`name="2000" value="${shellValue}" package="com.android.shell"`);
      // The harness's own parser reads it; the browsers' values are theirs, not the shell's, and differ (own signing keys).
      const table = parseSsaidXml(xml);
      const mint = table.get(MINT)!;
      const pro = table.get(PRO)!;
      expect(mint).to.match(/^[0-9a-f]{16}$/);
      expect(pro).to.match(/^[0-9a-f]{16}$/);
      expect(new Set([mint, pro, shellValue]).size).to.equal(3);
      expect(phone.device.appAndroidId(MINT)).to.equal(mint);
      expect(phone.device.appAndroidId(PRO)).to.equal(pro);
      const uid = phone.device.packages.get(MINT)!.uid;
      expect(xml).to.contain(`name="${uid}" value="${mint}" package="${MINT}"`);
    } finally {
      await phone.close();
    }
  });

  it('the browser\'s telemetry carries its own SSAID, never the shell\'s value', async () => {
    const ca = new TestCA('ssaid');
    const proxy = new InterceptingProxy(ca);
    await proxy.start();
    // Network limits a loaded machine can meet (phoneWithApps' 300 ms connect limit is for refusal tests).
    const device = new AndroidDevice(loadProfile('redmi-note-8-2020-updated'));
    const runtime = device.attachApps((ctx) => createAppRuntime(ctx, { netLimits: { connectTimeoutMs: 10_000, responseTimeoutMs: 10_000 } })) as SimAppRuntime;
    const phone = { device, runtime, close: async () => { await runtime.shutdown?.(); device.shutdown(); } };
    try {
      // The capture route and our CA in the system store (the system partition remounted by root).
      phone.device.reverses.add(8080, 'tcp:8080', async () => net.connect(proxy.port, '127.0.0.1'));
      expect((await sh(phone.device, 'settings put global http_proxy 127.0.0.1:8080')).code).to.equal(0);
      await sh(phone.device, 'remount', { root: true });
      phone.device.writeFile('/system/etc/security/cacerts/0badca11.0', Buffer.from(ca.certPem), ROOT);
      await startApp(phone, PRO);
      // Force-stop flushes the queued Sensors batch.
      await sh(phone.device, `am force-stop ${PRO}`);
      await proxy.waitFor(() => proxy.requests.some((r) => r.host === 'sa.api.intl.miui.com'), 10_000, 'the Sensors batch');
      const events = proxy.requests.filter((r) => r.host === 'sa.api.intl.miui.com').flatMap((r) => {
        const form = new URLSearchParams(r.body.toString());
        return JSON.parse(zlib.gunzipSync(Buffer.from(form.get('data_list') ?? '', 'base64')).toString()) as Array<{ properties: Record<string, unknown> }>;
      });
      const sent = new Set(events.map((e) => e.properties.android_id));
      expect([...sent]).to.deep.equal([phone.device.appAndroidId(PRO)]);
      expect(sent.has(phone.device.profile.device.androidId)).to.equal(false);
    } finally {
      await phone.close();
      await proxy.stop();
      ca.remove();
    }
  });

  it('Android 14: the file is binary XML (ABX); root reads it with abx2xml; Android 10 has no abx2xml', async () => {
    const phone = phoneWithApps(loadProfile('aosp-emulator-android14'));
    const android10 = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const raw = phone.device.readFile(ssaidPath(0), ROOT);
      expect(raw.subarray(0, 4).toString('latin1')).to.equal('ABX\0');
      expect(raw.includes(Buffer.from('<setting'))).to.equal(false);
      const text = await sh(phone.device, `abx2xml ${ssaidPath(0)} -`, { root: true });
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.match(USER_KEY);
      expect(text.stdout).to.contain(`value="${phone.device.profile.device.androidId}" package="com.android.shell"`);
      expect((await sh(phone.device, `abx2xml ${ssaidPath(0)} -`)).code, 'the shell may not read it').to.not.equal(0);
      const notAbx = await sh(phone.device, 'abx2xml /system/build.prop -', { root: true });
      expect(notAbx.code).to.equal(1);
      const missing = await sh(android10.device, `abx2xml ${ssaidPath(0)} -`, { root: true });
      expect(missing.code).to.equal(127);
      expect(missing.stderr).to.contain('abx2xml: inaccessible or not found');
    } finally {
      await phone.close();
      await android10.close();
    }
  });

  it('an app installed from an APK gets its SSAID when it first runs; uninstalling removes it, reinstalling gives the same value back', async () => {
    const phone = phoneWithApps(loadProfile('aosp-emulator-android11'));
    try {
      const read = async () => parseSsaidXml((await sh(phone.device, `cat ${ssaidPath(0)}`, { root: true })).stdout);
      expect((await read()).has(MINT)).to.equal(false);
      await installProfileApks(phone);
      expect((await read()).has(MINT), 'not before it asks').to.equal(false);
      await startApp(phone, MINT);
      const first = (await read()).get(MINT);
      expect(first).to.match(/^[0-9a-f]{16}$/);
      expect((await sh(phone.device, `pm uninstall ${MINT}`)).stdout).to.equal('Success\n');
      expect((await read()).has(MINT)).to.equal(false);
      await installProfileApks(phone);
      await startApp(phone, MINT);
      expect((await read()).get(MINT), 'same user key and signing key, same SSAID').to.equal(first);
    } finally {
      await phone.close();
    }
  });

  it('the UiAutomator2 server\'s /appium/device/info reports its own package\'s SSAID, as its context reads it, not the shell\'s value', async () => {
    let ctx: PhoneContext | undefined;
    const device = new AndroidDevice(loadProfile('redmi-note-8-2020'));
    const runtime = device.attachApps((c) => {
      ctx = c;
      return createAppRuntime(c);
    }) as SimAppRuntime;
    const run = startUiAutomator2Instrumentation(ctx!, runtime, {});
    try {
      const call = (method: string, path: string, body?: unknown) => phoneRequest(ctx!, 6790, method, path, body);
      const created = await call('POST', '/session', { capabilities: { firstMatch: [{ platformName: 'Android' }], alwaysMatch: {} } });
      expect(created.status, JSON.stringify(created.body)).to.equal(200);
      const info = (await call('GET', `/session/${created.body.sessionId}/appium/device/info`)).body.value;
      const own = device.appAndroidId('io.appium.uiautomator2.server');
      expect(info.androidId).to.equal(own);
      expect(own).to.not.equal(device.profile.device.androidId);
      expect((await sh(device, 'settings get secure android_id')).stdout.trim(), 'the shell still reads the device value').to.equal(device.profile.device.androidId);
    } finally {
      run.kill();
      await runtime.shutdown?.();
      device.shutdown();
    }
  });

  it('before Android 8 every app reads the one device value and there is no settings_ssaid.xml', async () => {
    const phone = phoneWithApps(loadProfile('redmi-1s-2014'));
    try {
      expect(phone.device.appAndroidId('com.mi.globalbrowser')).to.equal(phone.device.profile.device.androidId);
      expect(phone.device.files.exists(ssaidPath(0))).to.equal(false);
    } finally {
      await phone.close();
    }
  });
});
