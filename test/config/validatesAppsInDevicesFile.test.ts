import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevices, parseDevices } from '../../harness/config/index.js';

const parse = (apps: unknown) => parseDevices(JSON.stringify({ devices: [{ name: 'emu-1', serial: 'emulator-5554', apps }] }), '/x/devices.json', 'devices.json');
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('devices.json: `apps` (APKs an emulator farm installs per browser)', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-apps-config-')); });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts one APK or a base APK with its splits per browser', () => {
    const file = parse({ mint: 'apks/mint-3.4.0.apk', 'mi-browser-pro': ['apks/pro/base.apk', 'apks/pro/split_config.arm64_v8a.apk'] });
    expect(file.devices[0]?.apps).to.deep.equal({ mint: 'apks/mint-3.4.0.apk', 'mi-browser-pro': ['apks/pro/base.apk', 'apks/pro/split_config.arm64_v8a.apk'] });
  });

  it('refuses what is not an APK path, naming file, entry, field and the fix in one line', () => {
    const expected = "devices.json: device 'emu-1' (entry 1): field 'apps.mint' must be an APK path ending in .apk, or a list of them (base APK first, then its splits)";
    expect(message(() => parse({ mint: 'mint.zip' }))).to.equal(expected);
    expect(message(() => parse({ mint: [] }))).to.equal(expected);
    expect(message(() => parse({ mint: 42 }))).to.equal(expected);
  });

  it('loadDevices refuses an APK that is not there, relative to the devices.json folder', async () => {
    await mkdir(path.join(dir, 'apks'), { recursive: true });
    await writeFile(path.join(dir, 'apks', 'mint.apk'), 'PK');
    const file = path.join(dir, 'devices.json');
    await writeFile(file, JSON.stringify({ devices: [{ name: 'emu-1', serial: 'emulator-5554', apps: { mint: 'apks/mint.apk', 'mi-browser': 'apks/missing.apk' } }] }));
    const error = await loadDevices(file).then(() => null, (e: Error & { exitCode?: number }) => e);
    expect(error?.exitCode).to.equal(2);
    expect(error?.message).to.equal(`${file}: device 'emu-1' (entry 1): field 'apps.mi-browser': apks/missing.apk is not a file (paths are relative to the devices.json folder); fix the path or download the APK there`);
    await writeFile(file, JSON.stringify({ devices: [{ name: 'emu-1', serial: 'emulator-5554', apps: { mint: 'apks/mint.apk' } }] }));
    expect((await loadDevices(file)).devices[0]?.apps).to.deep.equal({ mint: 'apks/mint.apk' });
  });
});
