import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SimulatedPhone } from '../../sim/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function freeHostPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('sim adbd: sync push/pull, forward and reverse', function () {
  this.timeout(40000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-adbd-'));
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

  it('round-trips a 5 MB file byte-exact with adb push/pull (STA2 + SEND / RECV)', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), data);
    const push = await adb.run(['-s', phone.serial, 'push', join(dir, 'big.bin'), '/data/local/tmp/big.bin']);
    expect(push.code, push.stderr).to.equal(0);
    expect(phone.android.files.stat('/data/local/tmp/big.bin')?.size).to.equal(data.length);
    const pull = await adb.run(['-s', phone.serial, 'pull', '/data/local/tmp/big.bin', join(dir, 'back.bin')]);
    expect(pull.code, pull.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'back.bin')).equals(data)).to.equal(true);
    const ls = await adb.run(['-s', phone.serial, 'ls', '/data/local/tmp']);
    expect(ls.stdout).to.match(/big\.bin/);
  });

  it('round-trips through adbkit sync (SEND/RECV/STAT/LIST) and refuses writes to read-only /system', async () => {
    const device = adb.client().getDevice(phone.serial);
    const data = randomBytes(300 * 1024 + 7);
    const transfer = await device.push(Readable.from([data], { objectMode: false }), '/sdcard/Download/kit.bin');
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', () => resolve());
      transfer.on('error', reject);
    });
    const stat = await device.stat('/sdcard/Download/kit.bin');
    expect(stat.size).to.equal(data.length);
    expect(stat.isFile()).to.equal(true);
    const entries = await device.readdir('/sdcard/Download');
    expect(entries.map((e: { name: string }) => e.name)).to.include('kit.bin');
    const back = await collect(await device.pull('/sdcard/Download/kit.bin'));
    expect(back.equals(data)).to.equal(true);

    const denied = await adb.run(['-s', phone.serial, 'push', join(dir, 'big.bin'), '/system/etc/security/cacerts/evil.0']);
    expect(denied.code).to.not.equal(0);
    expect(denied.stdout + denied.stderr).to.match(/Read-only file system/);
    const missing = await adb.run(['-s', phone.serial, 'pull', '/data/local/tmp/nope', join(dir, 'nope')]);
    expect(missing.code).to.not.equal(0);
    expect(missing.stdout + missing.stderr).to.match(/No such file or directory/);
  });

  it('forwards a host port to a phone listener (adb forward → tcp:6790)', async () => {
    // `am instrument` starts the test runtime's echo server on phone port 6790.
    const instrument = adb.run(['-s', phone.serial, 'shell', 'am instrument -w -e disableAnalytics true io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner'], { timeoutMs: 30000 });
    await waitFor(() => phone.android.network.isListening(6790));
    const hostPort = await freeHostPort();
    const forward = await adb.run(['-s', phone.serial, 'forward', `tcp:${hostPort}`, 'tcp:6790']);
    expect(forward.code, forward.stderr).to.equal(0);
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(hostPort, '127.0.0.1', () => socket.write('ping'));
      socket.once('data', (d) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(reply).to.equal('echo:ping');
    // A forward to a phone port nobody listens on is refused, not hung.
    const dead = await freeHostPort();
    await adb.run(['-s', phone.serial, 'forward', `tcp:${dead}`, 'tcp:6999']);
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(dead, '127.0.0.1');
      socket.on('data', () => undefined);
      socket.once('close', () => resolve('closed'));
      socket.once('error', () => resolve('closed'));
    });
    expect(closed).to.equal('closed');
    await adb.shell(phone.serial, 'am force-stop io.appium.uiautomator2.server.test');
    const stopped = await instrumentStopped(phone);
    expect(stopped).to.equal(true);
    void instrument;
    await adb.run(['-s', phone.serial, 'forward', '--remove-all']);
  });

  it('reaches a host server from the phone through adb reverse, and only through registered reverses', async () => {
    const server: Server = createServer((socket) => socket.end('hello from the host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const hostPort = (server.address() as { port: number }).port;
    try {
      await phone.android.connectLocal(8899).then(
        () => expect.fail('no reverse yet: must be refused'),
        (error: NodeJS.ErrnoException) => expect(error.code).to.equal('ECONNREFUSED'),
      );
      const reverse = await adb.run(['-s', phone.serial, 'reverse', 'tcp:8899', `tcp:${hostPort}`]);
      expect(reverse.code, reverse.stderr).to.equal(0);
      const list = await adb.run(['-s', phone.serial, 'reverse', '--list']);
      expect(list.stdout).to.contain(`tcp:8899 tcp:${hostPort}`);
      expect(await adb.client().getDevice(phone.serial).listReverses()).to.deep.include({ remote: 'tcp:8899', local: `tcp:${hostPort}` });

      const socket = await phone.android.connectLocal(8899);
      expect((await collect(socket)).toString()).to.equal('hello from the host');

      const remove = await adb.run(['-s', phone.serial, 'reverse', '--remove', 'tcp:8899']);
      expect(remove.code, remove.stderr).to.equal(0);
      await phone.android.connectLocal(8899).then(
        () => expect.fail('reverse removed: must be refused'),
        (error: NodeJS.ErrnoException) => expect(error.code).to.equal('ECONNREFUSED'),
      );
      const again = await adb.run(['-s', phone.serial, 'reverse', '--remove', 'tcp:8899']);
      expect(again.code).to.not.equal(0);
      expect(again.stderr).to.contain("listener 'tcp:8899' not found");

      // HTTP through a reverse, as an app behind `settings put global http_proxy 127.0.0.1:8899` would.
      await adb.client().getDevice(phone.serial).reverse('tcp:8899', `tcp:${hostPort}`);
      expect((await collect(await phone.android.connectLocal(8899))).toString()).to.equal('hello from the host');
    } finally {
      server.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function instrumentStopped(phone: SimulatedPhone): Promise<boolean> {
  try {
    await waitFor(() => !phone.android.network.isListening(6790));
    return true;
  } catch {
    return false;
  }
}

