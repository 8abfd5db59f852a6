import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApk } from '../sim/adbd-support/apkBuilder.js';
import { phonehome, simDeviceEntries } from '../scenario/simPhones.js';

/** `phonehome run` end to end on the simulator's real-phone modes (each run launches its phone). */
describe('device: `phonehome run` on a retail phone stops with the fix; on an AOSP emulator it roots, installs and passes', function () {
  this.timeout(300_000);
  let dir: string;
  let devices: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-modes-'));
    await writeFile(path.join(dir, 'mint-3.4.0.apk'), buildApk('com.mi.globalbrowser.mini', 341, '3.4.0'));
    const [retail, emulator] = await simDeviceEntries([
      { name: 'retail', profile: 'retail-miui-android10' },
      { name: 'emu', profile: 'rooted-emulator' },
    ]) as Array<Record<string, unknown>>;
    devices = path.join(dir, 'devices.json');
    await writeFile(devices, JSON.stringify({ devices: [retail, { ...emulator, apps: { mint: 'mint-3.4.0.apk' } }] }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

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
    expect(run.phones[0]?.apps).to.deep.include({ package: 'com.mi.globalbrowser.mini', version: '3.4.0', browser: 'mint', versionCode: 341 }); // 341: the APK's build, not the emulator's 340
  });
});
