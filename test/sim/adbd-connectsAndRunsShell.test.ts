import { expect } from 'chai';
import { SimulatedPhone } from '../../sim/index.js';
import type { ShellEvent } from '../../sim/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('sim adbd: adb connect, shell and root through the real adb server', function () {
  this.timeout(30000);
  const adb = new PrivateAdb();
  const phones: SimulatedPhone[] = [];

  async function startPhone(overrides: Parameters<typeof testProfile>[0] = {}, name?: string): Promise<SimulatedPhone> {
    const phone = new SimulatedPhone({ profile: testProfile(overrides, name), port: 0, appRuntime: testAppRuntime(newRuntimeLog()) });
    await phone.start();
    phones.push(phone);
    return phone;
  }

  /** Runs `command` until it prints `expected` (adbd restarting answers "device offline" meanwhile); at most 40 tries 250 ms apart. */
  async function untilShellPrints(serial: string, command: string, expected: string): Promise<string> {
    let last = '';
    for (let attempt = 0; attempt < 40 && last !== expected; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      const result = await adb.shell(serial, command);
      last = result.stdout || result.stderr;
    }
    return last;
  }

  before(async () => adb.start());
  after(async () => {
    await adb.stop();
    for (const phone of phones) await phone.stop();
  });

  it('is listed by `adb devices -l` as a device with the profile product, model and device', async () => {
    const phone = await startPhone();
    const line = await adb.connect(phone.serial);
    expect(line).to.match(/\bdevice product:ginkgo model:Redmi_Note_8 device:ginkgo\b/);
    const features = await adb.run(['-s', phone.serial, 'features']);
    expect(features.stdout.split('\n')).to.include.members(['shell_v2', 'cmd', 'stat_v2', 'ls_v2', 'abb_exec']);
    expect(features.stdout).not.to.match(/sendrecv_v2|delayed_ack/);
  });

  it('passes shell exit codes through shell v2 and answers unknown commands like mksh', async () => {
    const phone = await startPhone();
    await adb.connect(phone.serial);
    const events: ShellEvent[] = [];
    phone.on('shell', (e) => events.push(e));

    const ok = await adb.shell(phone.serial, "getprop ro.product.model && echo 'a b'\"c\" || echo never");
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.equal('Redmi Note 8\na bc\n');

    expect((await adb.shell(phone.serial, 'exit 3')).code).to.equal(3);
    expect((await adb.shell(phone.serial, 'false; echo $?; true && exit 7')).code).to.equal(7);

    const unknown = await adb.shell(phone.serial, 'frobnicate --now');
    expect(unknown.code).to.equal(127);
    expect(unknown.stderr).to.equal('/system/bin/sh: frobnicate: inaccessible or not found\n');
    expect(events.find((e) => e.command === 'frobnicate --now')).to.deep.include({ known: false, unknown: ['frobnicate'] });
    expect(events.find((e) => e.command.startsWith('getprop'))?.known).to.equal(true);
  });

  it('serves adbkit: shell (v1), getProperties, getPackages, isInstalled and waitBootComplete', async () => {
    const phone = await startPhone();
    await adb.connect(phone.serial);
    const device = adb.client().getDevice(phone.serial);
    const out = await readAll(await device.shell('echo hello; id -u'));
    expect(out).to.equal('hello\n2000\n');
    const props = await device.getProperties();
    expect(props['ro.product.manufacturer']).to.equal('Xiaomi');
    expect(props['ro.build.version.sdk']).to.equal('29');
    expect(props['ro.miui.ui.version.name']).to.equal('V11');
    expect(props['sys.boot_completed']).to.equal('1');
    const packages = await device.getPackages();
    expect(packages).to.include.members(['com.example.browser', 'com.android.settings', 'android']);
    expect(await device.isInstalled('com.example.browser')).to.equal(true);
    expect(await device.isInstalled('com.not.there')).to.equal(false);
    await device.waitBootComplete();
  });

  it('refuses `adb root` on a retail (user) build and allows it on a rootable userdebug build', async () => {
    const retail = await startPhone({ buildType: 'user', rootable: false });
    const emulator = await startPhone({ buildType: 'userdebug', rootable: true, model: 'Android SDK built for x86_64', product: 'sdk_gphone_x86_64', device: 'generic_x86_64' });
    await adb.connect(retail.serial);
    await adb.connect(emulator.serial);

    const refused = await adb.run(['-s', retail.serial, 'root']);
    expect(refused.stdout + refused.stderr).to.contain('adbd cannot run as root in production builds');
    expect((await adb.shell(retail.serial, 'id -u')).stdout).to.equal('2000\n');
    expect((await adb.shell(retail.serial, 'su 0 id')).code).to.equal(127);

    const client = adb.client();
    expect(await client.getDevice(emulator.serial).root()).to.equal(true);
    // adbd restarts to change uid (the connection drops) and the adb server reconnects. adbkit's
    // root() resolves on the reply, before the drop, so `wait-for-device` alone can still see the old
    // transport: poll as the harness does (device/rootAccess.ts restartAdbdAsRoot), bounded.
    expect(await untilShellPrints(emulator.serial, 'id -u; whoami', '0\nroot\n')).to.equal('0\nroot\n');
    const cliRoot = await adb.run(['-s', emulator.serial, 'unroot']);
    expect(cliRoot.stdout).to.contain('restarting adbd as non root');
    await adb.run(['-s', emulator.serial, 'wait-for-device']);
    expect((await adb.shell(emulator.serial, 'id -u')).stdout).to.equal('2000\n');
    await client.getDevice(retail.serial).root().then(
      () => expect.fail('root on a retail phone must be refused'),
      (error: Error) => expect(error.message).to.contain('production builds'),
    );
  });

  it('shows an AUTH-requiring phone as unauthorized until the user allows the host key', async () => {
    const phone = await startPhone({ requireAuth: true });
    const keys: string[] = [];
    phone.on('authRequest', (key) => keys.push(key));
    const line = await adb.connect(phone.serial, 'unauthorized');
    expect(line).to.match(/\bunauthorized\b/);
    const denied = await adb.shell(phone.serial, 'echo hi');
    expect(denied.code).to.not.equal(0);
    expect(denied.stderr).to.match(/unauthorized/);
    expect(keys.length).to.be.greaterThan(0);
    expect(phone.allowPendingKeys()).to.be.greaterThan(0);
    await adb.connect(phone.serial, 'device');
    expect((await adb.shell(phone.serial, 'echo allowed')).stdout).to.equal('allowed\n');
    // The key is remembered: a new connection is accepted by signature alone.
    await adb.run(['disconnect', phone.serial]);
    await adb.connect(phone.serial, 'device');
  });

  it('comes back after a restart on the same port, keeping its files', async () => {
    const phone = await startPhone();
    await adb.connect(phone.serial);
    expect((await adb.shell(phone.serial, 'echo kept > /data/local/tmp/marker')).code).to.equal(0);
    const serial = phone.serial;
    await phone.stop();
    await phone.start();
    expect(phone.serial).to.equal(serial);
    await adb.run(['disconnect', serial]);
    await adb.connect(serial);
    expect((await adb.shell(serial, 'cat /data/local/tmp/marker')).stdout).to.equal('kept\n');
  });

  it('runs two phones at once without interference', async () => {
    const a = await startPhone({ model: 'Phone A', serial: 'AAAA' }, 'a');
    const b = await startPhone({ model: 'Phone B', serial: 'BBBB' }, 'b');
    await adb.connect(a.serial);
    await adb.connect(b.serial);
    await Promise.all([
      adb.shell(a.serial, 'settings put global http_proxy 127.0.0.1:8080; echo a > /sdcard/who'),
      adb.shell(b.serial, 'echo b > /sdcard/who'),
    ]);
    const [ra, rb] = await Promise.all([
      adb.shell(a.serial, 'getprop ro.serialno; cat /sdcard/who; settings get global http_proxy'),
      adb.shell(b.serial, 'getprop ro.serialno; cat /sdcard/who; settings get global http_proxy'),
    ]);
    expect(ra.stdout).to.equal('AAAA\na\n127.0.0.1:8080\n');
    expect(rb.stdout).to.equal('BBBB\nb\nnull\n');
    expect(a.android.setting('global', 'http_proxy')).to.equal('127.0.0.1:8080');
    expect(b.android.setting('global', 'http_proxy')).to.equal(undefined);
  });
});
