import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main.js';
import { findAppiumApks } from '../../harness/device/index.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: `phonehome doctor --phone` installs the Appium server and settings APKs once', function () {
  this.timeout(120_000);
  const lab = new PhoneLab();
  let dir: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-doctor-'));
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function doctor(serial: string): Promise<{ code: number; out: string[]; err: string[] }> {
    const file = path.join(dir, 'devices.json');
    await writeFile(file, JSON.stringify({ devices: [{ name: 'redmi', serial }] }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['doctor', '--phone', 'redmi', '--devices', file, '--adb-port', String(lab.server.port)], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('finds the three APKs the pinned driver ships in node_modules', () => {
    const apks = findAppiumApks();
    expect(apks.map((a) => a.package)).to.deep.equal(['io.appium.uiautomator2.server', 'io.appium.uiautomator2.server.test', 'io.appium.settings']);
    expect(apks.map((a) => path.basename(a.file))).to.satisfy((names: string[]) => names[0]!.startsWith('appium-uiautomator2-server-v') && names[1]!.endsWith('androidTest.apk') && names[2] === 'settings_apk-debug.apk');
  });

  it('a Xiaomi phone with the toggles on: explains MIUI\'s prompts, installs all three, says it is ready; exit 0', async () => {
    const phone = await lab.phone('retail-miui-android10');
    phone.android.developerOptions.set('usbDebuggingSecuritySettings', true);
    phone.android.developerOptions.set('installViaUsb', true);
    const { code, out, err } = await doctor(phone.serial);
    expect(err, err.join('\n')).to.deep.equal([]);
    expect(code).to.equal(0);
    expect(out.join('\n')).to.include('tap Install within about 10 s');
    expect(out.join('\n')).to.include('Battery saver › No restrictions');
    for (const pkg of ['io.appium.uiautomator2.server', 'io.appium.uiautomator2.server.test', 'io.appium.settings']) expect(out).to.include(`redmi: ${pkg}: installed`);
    expect(out.at(-1)).to.match(/^redmi: ready \(Android 10, API 29, user 0, root: /);
  });

  it('"Install via USB" off: each install fails with INSTALL_FAILED_USER_RESTRICTED and the toggle to turn on; exit 2', async () => {
    const phone = await lab.phone('retail-miui-android10');
    const { code, err } = await doctor(phone.serial);
    expect(code).to.equal(2);
    expect(err.filter((l) => l.includes('INSTALL_FAILED_USER_RESTRICTED'))).to.have.length(3);
    expect(err.join('\n')).to.include('turn on Developer options › Install via USB');
    expect(err.join('\n')).to.include('USB debugging (Security settings) (needs a Mi account)');
  });
});
