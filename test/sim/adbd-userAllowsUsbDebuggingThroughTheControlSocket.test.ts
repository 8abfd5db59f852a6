import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SimControlSocket, SimulatedPhone, sendControlCommand } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// A requireAuth phone shows the "Allow USB debugging?" dialog for an unknown host key (adb lists it
// as `unauthorized`); the person at the phone taps Allow. Outside adb, as on a real phone, that is
// the sim's control socket: `phonehome sim --control S` + `phonehome sim control S allow-usb-debugging`.
describe('sim adbd: the user allows USB debugging through the control socket', function () {
  this.timeout(60_000);
  const adb = new PrivateAdb();
  let dir: string;
  let phone: SimulatedPhone;
  let control: SimControlSocket;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-allow-'));
    await adb.start();
    const profile = loadProfile('retail-miui-android10');
    phone = new SimulatedPhone({ profile: { ...profile, device: { ...profile.device, requireAuth: true } }, port: 0 });
    await phone.start();
    control = new SimControlSocket(phone, join(dir, 'phone.sock'));
    await control.start();
  });
  after(async () => {
    await control?.stop();
    await adb.stop();
    await phone?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is unauthorized, then answers once allow-usb-debugging was sent, and remembers the key', async () => {
    expect(await sendControlCommand(control.path, 'allow-usb-debugging')).to.equal('ok allowed 0 key(s)');
    expect(await adb.connect(phone.serial, 'unauthorized')).to.match(/\bunauthorized\b/);
    expect((await adb.shell(phone.serial, 'echo hi')).stderr).to.match(/unauthorized/);
    expect(await sendControlCommand(control.path, 'allow-usb-debugging')).to.match(/^ok allowed [1-9]\d* key\(s\)$/);
    await adb.connect(phone.serial, 'device');
    expect((await adb.shell(phone.serial, 'echo allowed')).stdout).to.equal('allowed\n');
    await adb.run(['disconnect', phone.serial]);
    await adb.connect(phone.serial, 'device');
    expect((await adb.shell(phone.serial, 'echo again')).stdout).to.equal('again\n');
  });
});
