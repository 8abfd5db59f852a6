import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../harness/capture/certificateAuthority.js';
import { main } from '../../harness/cli/main.js';
import { PROVISION_RECORD_PATH, type DeviceSession } from '../../harness/device/index.js';
import type { DeviceRow } from '../../harness/cli/devicesCommand.js';
import { PROBE_SETTING, runPreflight } from '../../harness/device/preflight.js';
import type { SimulatedPhone } from '../../sim/phone.js';
import { PhoneLab } from './phoneFixture.js';

const XIAOMI_FIX = 'turn on Developer options › USB debugging (Security settings) (needs a Mi account), and Install via USB; then re-plug';

/** Everything provisioning could touch: proxy, reverses, mounts, both CA stores, the record, the probe key. */
async function phoneState(session: DeviceSession, phone: SimulatedPhone) {
  return {
    proxy: (await session.adb.shell('settings get global http_proxy')).trim(),
    probe: (await session.adb.shell(`settings get global ${PROBE_SETTING}`)).trim(),
    reverses: await session.adb.listReverses(),
    caMounts: phone.android.files.mountTable().filter((m) => m.target.includes('cacerts')).map((m) => m.target),
    systemCAs: phone.android.caCertificates('system').length,
    userCAs: phone.android.caCertificates('user').length,
    record: (await session.adb.shell(`ls ${PROVISION_RECORD_PATH} 2>/dev/null`)).trim(),
  };
}

describe('device: preflight — a phone that refuses what a run needs is stopped before anything changes', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  let caPem: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-preflight-'));
    caPem = (await loadOrCreateCa(path.join(dir, 'home'))).certPem;
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('retail MIUI with "USB debugging (Security settings)" off: provisioning fails with exit 2 and the one-line fix; proxy and CA stores read back unchanged', async () => {
    const phone = await lab.phone('retail-miui-android10');
    const session = await lab.session(phone, { name: 'redmi' });
    const before = await phoneState(session, phone);
    const error = await session.provision({ proxyPort: 18201, caCertPem: caPem, reassertMs: 0 }).then(() => null, (e: Error & { exitCode?: number }) => e);
    expect(error?.exitCode).to.equal(2);
    expect(error?.message).to.equal(`preflight failed on redmi (nothing changed on the phone): the adb shell may not change settings (WRITE_SECURE_SETTINGS refused) nor inject input (INJECT_EVENTS refused, so no tap or key press works): ${XIAOMI_FIX}`);
    expect(error?.message.split('\n')).to.have.length(1);
    expect(await phoneState(session, phone)).to.deep.equal(before);
  });

  it('the same phone once the user turned the toggle on: preflight passes, and nothing is left behind by the probe', async () => {
    const phone = await lab.phone('retail-miui-android10');
    phone.android.developerOptions.set('usbDebuggingSecuritySettings', true);
    const session = await lab.session(phone);
    const before = await phoneState(session, phone);
    const result = await runPreflight(session.adb);
    expect(result.blockers).to.deep.equal([]);
    expect(result).to.deep.include({ ok: true, settingsWrite: 'ok', inputInjection: 'ok', user: 0, release: '10', sdk: 29 });
    expect(result.appiumApks).to.deep.equal({ 'io.appium.uiautomator2.server': true, 'io.appium.uiautomator2.server.test': true, 'io.appium.settings': true });
    expect(await phoneState(session, phone)).to.deep.equal(before);
    expect(before.probe).to.equal('null');
  });

  it('`phonehome provision` exits 2 with the line; `phonehome devices` shows the blocker as the phone\'s READY state', async () => {
    const phone = await lab.phone('retail-miui-android10');
    const file = path.join(dir, 'devices.json');
    await writeFile(file, JSON.stringify({ devices: [{ name: 'redmi', serial: phone.serial }] }));
    const err: string[] = [];
    const code = await main(['provision', 'redmi', '--port', '18202', '--devices', file, '--adb-port', String(lab.server.port)], { out: () => undefined, err: (l) => err.push(l) });
    expect(code).to.equal(2);
    expect(err.join('\n')).to.include(XIAOMI_FIX);
    expect(err.join('\n')).to.include('nothing changed on the phone');

    const out: string[] = [];
    expect(await main(['devices', '--json', '--devices', file, '--adb-port', String(lab.server.port)], { out: (l) => out.push(l), err: (l) => out.push(l) })).to.equal(0);
    const [row] = JSON.parse(out.join('\n')) as DeviceRow[];
    expect(row?.preflight?.ok).to.equal(false);
    expect(row?.ready).to.include(XIAOMI_FIX);
    const table: string[] = [];
    await main(['devices', '--devices', file, '--adb-port', String(lab.server.port)], { out: (l) => table.push(l), err: (l) => table.push(l) });
    expect(table[0]).to.match(/\sREADY$/);
    expect(table[1]).to.include('USB debugging (Security settings)');
  });

  it('a research phone set up for adb is ready', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone);
    const result = await runPreflight(session.adb);
    expect(result.ok, result.blockers.map((b) => b.line).join('; ')).to.equal(true);
    expect(result.root.method).to.equal('su');
  });
});
