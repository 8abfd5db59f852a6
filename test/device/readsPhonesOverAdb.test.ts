import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main.js';
import { DeviceLostError } from '../../harness/device/index.js';
import { MAC_NOTE } from '../../harness/device/identifiers.js';
import type { DeviceRow } from '../../harness/cli/devicesCommand.js';
import { wifiMacState } from '../../sim/android/wifiMac.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: reading phones over adb (identifiers, health, devices list, loss)', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  before(() => lab.start());
  after(() => lab.stop());

  it('reads IMEI, phone number, IMSI, Android ID, serial, model and release of an Android 10 phone', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone, { name: 'note8' });
    const ids = await session.identifiers();
    const d = phone.profile.device;
    expect(ids.imei).to.deep.equal({ value: d.imei });
    expect(ids.phoneNumber).to.deep.equal({ value: d.phoneNumber.replace(/[^\d+]/g, '') });
    expect(ids.imsi).to.deep.equal({ value: d.imsi });
    // Android 10: ANDROID_ID is per app, so the shell's value is never given as the apps'.
    expect(ids.androidId).to.have.property('unavailable').that.matches(/^unavailable for apps on Android 8\+/);
    expect(ids.serial).to.deep.equal({ value: d.serial });
    expect(ids.model).to.deep.equal({ value: d.model });
    expect(ids.release).to.deep.equal({ value: d.release });
    // Android 10: wlan0 carries the network's randomised MAC, not the factory one (sim/android/wifiMac.ts).
    expect(ids.wifiMac).to.deep.equal({ value: wifiMacState(phone.profile).current, note: MAC_NOTE });
    expect(ids.wifiMac).to.not.have.property('value', d.wifiMac.toLowerCase());
    const canaries = await session.identifierCanaries();
    expect(canaries).to.deep.include({ kind: 'imei', value: d.imei, device: 'note8' });
    expect(canaries.filter((c) => c.kind === 'android-id')).to.deep.equal([]);
  });

  it('uses the Android 4.3 transaction codes on a 2014 phone (IMEI and its own number)', async () => {
    const phone = await lab.phone('redmi-1s-2014');
    const session = await lab.session(phone);
    const ids = await session.identifiers();
    expect(ids.imei).to.deep.equal({ value: phone.profile.device.imei });
    expect(ids.phoneNumber).to.deep.equal({ value: phone.profile.device.phoneNumber.replace(/[^\d+]/g, '') });
    // The carrier's name as the phone shows it (gsm.operator.alpha): a low-entropy context canary.
    expect(ids.carrier).to.deep.equal({ value: 'Airtel' });
    expect(await session.identifierCanaries()).to.deep.include({ kind: 'carrier-name', value: 'Airtel', device: phone.profile.name });
  });

  it('`phonehome devices --json` shows state, model, release, root, browsers, proxy and CA, and leaves adb as found', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-devices-'));
    try {
      const file = path.join(dir, 'devices.json');
      await writeFile(file, JSON.stringify({
        devices: [
          { name: 'sim-note8', serial: phone.serial },
          { name: 'usb-absent', serial: 'R58MABSENT0' },
          { name: 'not-started', serial: '127.0.0.1:1', launch: { command: 'phonehome', args: ['sim', '--port', '1'] } },
        ],
      }));
      const out: string[] = [];
      const code = await main(['devices', '--json', '--devices', file, '--adb-port', String(lab.server.port)], { out: (l) => out.push(l), err: (l) => out.push(l) });
      expect(code).to.equal(0);
      const rows = JSON.parse(out.join('\n')) as DeviceRow[];
      const [note8, absent, notStarted] = rows;
      expect(note8.state).to.equal('device');
      expect(note8.health).to.deep.include({ model: 'Redmi Note 8', release: '10', sdk: 29, bootCompleted: true, httpProxy: null });
      expect(note8.health?.root.method).to.equal('su');
      expect(note8.browsers).to.deep.equal({ 'mi-browser': '12.1.3', mint: '3.4.0', 'mi-browser-pro': '12.1.3', chrome: '81.0.4044.117' });
      expect(note8.locators?.mint).to.deep.include({ state: 'partly' });
      expect(note8.locators?.mint?.verified).to.include('addressBar');
      expect(note8.health?.ca.systemStoreOverlaid).to.equal(false);
      expect(absent).to.deep.include({ state: 'absent' });
      expect(absent.detail).to.match(/not connected \(is it plugged in/);
      expect(notStarted.detail).to.match(/^not running: runs start it, or start it by hand with: phonehome sim --port 1$/);
      // It connected the host:port phone only to look at it.
      expect(await lab.client.state(phone.serial)).to.equal('absent');

      const table: string[] = [];
      expect(await main(['devices', '--devices', file, '--adb-port', String(lab.server.port)], { out: (l) => table.push(l), err: (l) => table.push(l) })).to.equal(0);
      expect(table[0]).to.match(/^NAME\s+SERIAL\s+STATE\s+MODEL/);
      expect(table[1]).to.match(/^sim-note8\s+127\.0\.0\.1:\d+\s+device\s+Redmi Note 8\s+10 \(API 29\)/);
      expect(table[1]).to.match(/mint 3\.4\.0 \(locators \d+\/\d+ verified\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a phone that disconnects fails its session with a clear error, and the other phone goes on', async () => {
    const leaving = await lab.phone('redmi-note-8-2020');
    const staying = await lab.phone('clean-control');
    const gone = await lab.session(leaving, { name: 'leaving' });
    const other = await lab.session(staying, { name: 'staying' });
    const lost: Error[] = [];
    gone.on('lost', (e) => lost.push(e));
    await leaving.stop();
    const error = await gone.call(() => gone.adb.shell('getprop ro.product.model', { timeoutMs: 3000 })).then(() => null, (e: Error) => e);
    // Either adb already lists it as gone (lost) or the call times out: both are one clear line.
    expect(error?.message).to.match(/127\.0\.0\.1:\d+/);
    await gone.checkAlive().catch(() => undefined);
    expect(gone.lost).to.be.instanceOf(DeviceLostError);
    expect(gone.lost?.message).to.match(/leaving \(127\.0\.0\.1:\d+\) is (no longer connected|offline)|not reachable/);
    expect(lost).to.have.length(1);
    expect(await other.adb.getprop('ro.product.model')).to.equal('Redmi Note 8');
    await other.checkAlive();
  });
});
