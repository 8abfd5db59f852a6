import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { SimulatedPhone } from '../../sim/index.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('sim adbd: install, logcat and screencap through adb and adbkit', function () {
  this.timeout(40000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-install-'));
    await adb.start();
    phone = new SimulatedPhone({ profile: testProfile(), port: 0, appRuntime: testAppRuntime(newRuntimeLog()) });
    await phone.start();
    await adb.connect(phone.serial);
  });
  after(async () => {
    await adb.stop();
    await phone.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs an APK with adbkit (sync push + pm install) and reads its version back', async () => {
    const apk = join(dir, 'settings.apk');
    writeFileSync(apk, buildApk('io.appium.settings', 50, '5.0.1', 200_000));
    const device = adb.client().getDevice(phone.serial);
    expect(await device.install(apk)).to.equal(true);
    expect(await device.isInstalled('io.appium.settings')).to.equal(true);
    const dump = await adb.shell(phone.serial, 'dumpsys package io.appium.settings');
    expect(dump.stdout).to.match(/^ {2}Package \[io\.appium\.settings\] \([0-9a-f]+\):$/m);
    expect(dump.stdout).to.match(/versionCode=50 minSdk=\d+ targetSdk=\d+/);
    expect(dump.stdout).to.contain('versionName=5.0.1');
    const versions = await adb.shell(phone.serial, 'cmd package list packages --show-versioncode io.appium.settings');
    expect(versions.stdout).to.equal('package:io.appium.settings versionCode:50\n');
    expect(await device.uninstall('io.appium.settings')).to.equal(true);
    expect(await device.isInstalled('io.appium.settings')).to.equal(false);
  });

  it('installs with `adb install` (abb_exec streaming) and rejects a file that is not an APK', async () => {
    const apk = join(dir, 'browser.apk');
    writeFileSync(apk, buildApk('com.mi.globalbrowser.mini', 340, '3.4.0'));
    const result = await adb.run(['-s', phone.serial, 'install', '-r', apk]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('Success');
    expect((await adb.shell(phone.serial, 'pm path com.mi.globalbrowser.mini')).stdout).to.match(/^package:\/data\/app\/com\.mi\.globalbrowser\.mini-.*\/base\.apk\n$/);

    const bogus = join(dir, 'bogus.apk');
    writeFileSync(bogus, 'not a zip at all');
    const bad = await adb.run(['-s', phone.serial, 'install', bogus]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stdout + bad.stderr).to.contain('INSTALL_PARSE_FAILED_NOT_APK');
    const uninstall = await adb.run(['-s', phone.serial, 'uninstall', 'com.mi.globalbrowser.mini']);
    expect(uninstall.stdout).to.contain('Success');
  });

  it('dumps logcat as threadtime text and streams it as binary to adbkit openLogcat', async () => {
    phone.android.log(4, 'PhonehomeTest', 'text entry one', 4242);
    const text = await adb.run(['-s', phone.serial, 'logcat', '-d', '-v', 'threadtime']);
    expect(text.stdout).to.match(/^\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +4242 +4242 I PhonehomeTest: text entry one$/m);

    const reader = await adb.client().getDevice(phone.serial).openLogcat();
    const seen = new Promise<{ tag: string; message: string; priority: number; pid: number }>((resolve) => {
      reader.on('entry', (entry: { tag: string; message: string; priority: number; pid: number }) => {
        if (entry.tag === 'Binary') resolve(entry);
      });
    });
    setTimeout(() => phone.android.log(5, 'Binary', 'streamed after open', 777), 200);
    const entry = await seen;
    reader.end();
    expect(entry).to.include({ tag: 'Binary', message: 'streamed after open', priority: 5, pid: 777 });
  });

  it('follows `adb logcat` until the client goes away, then ends the stream', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('adb', ['-P', String(adb.port), '-s', phone.serial, 'logcat', '-v', 'threadtime'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 300));
    phone.android.log(6, 'Follow', 'live line');
    const deadline = Date.now() + 5000;
    while (!out.includes('live line') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill();
    expect(out).to.match(/ E Follow +: live line/);
  });

  it('returns a decodable PNG from adbkit screencap and `adb exec-out screencap -p`', async () => {
    const png = await collect(await adb.client().getDevice(phone.serial).screencap());
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).to.deep.equal([108, 234]);
    expect([...image.data.subarray(0, 4)]).to.deep.equal([200, 30, 60, 255]);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile('adb', ['-P', String(adb.port), '-s', phone.serial, 'exec-out', 'screencap -p'], { encoding: 'buffer', maxBuffer: 1 << 24 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
    });
    expect(PNG.sync.read(raw).width).to.equal(108);
  });
});
