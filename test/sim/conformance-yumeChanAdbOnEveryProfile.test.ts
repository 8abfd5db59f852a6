import type { Duplex } from 'node:stream';
import { Adb, AdbServerClient, LinuxFileType } from '@yume-chan/adb';
import { AdbServerNodeTcpConnector } from '@yume-chan/adb-server-node-tcp';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { SimulatedPhone } from '../../sim/index.js';
import { listProfiles, loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// Conformance with a second ADB implementation nobody here wrote: @yume-chan/adb (Tango's
// TypeScript ADB) through its Node TCP connector to Debian's adb server. It parses the shell
// protocol, sync v1/v2, reverse and framebuffer replies with its own code, so a difference from
// a real adbd shows up as its error, not ours.

async function readAll(stream: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value!));
  }
  return Buffer.concat(chunks);
}

function streamOf(data: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
}

describe('conformance: @yume-chan/adb works on every profile', function () {
  this.timeout(60_000);
  const adb = new PrivateAdb();
  let client: AdbServerClient;

  before(async function () {
    await adb.start();
    client = new AdbServerClient(new AdbServerNodeTcpConnector({ host: '127.0.0.1', port: adb.port }));
  });
  after(async function () {
    await adb.stop();
  });

  for (const name of listProfiles()) {
    describe(name, function () {
      const profile = loadProfile(name);
      const screen = profile.device.screen ?? { width: 1080, height: 2340, density: 440 };
      let phone: SimulatedPhone;
      let device: Adb;

      before(async function () {
        phone = new SimulatedPhone({ profile, port: 0 });
        await phone.start();
        await adb.connect(phone.serial);
        expect((await client.getDevices()).map((d) => d.serial)).to.include(phone.serial);
        device = await client.createAdb({ serial: phone.serial });
      });
      after(async function () {
        await device?.close();
        await adb.run(['disconnect', phone.serial]);
        await phone?.stop();
      });

      it('banner, features, getprop and shell (raw and shell protocol, with exit codes)', async function () {
        // The adb server lists the model with spaces as underscores (adb devices -l: model:Redmi_Note_8).
        expect(device.banner.model).to.equal(profile.device.model.replace(/ /g, '_'));
        expect(device.banner.product).to.equal(profile.device.product);
        expect(device.canUseFeature('shell_v2' as never)).to.equal(true);
        expect(await device.getProp('ro.build.version.sdk')).to.equal(String(profile.device.sdk));
        expect(await device.getProp('service.adb.tcp.port')).to.equal(String(phone.port));
        expect(await device.subprocess.noneProtocol.spawnWaitText(['echo', 'it works'])).to.equal('it works\n');
        const shell = device.subprocess.shellProtocol!;
        const ok = await shell.spawnWaitText('id -u; echo err >&2');
        expect(ok).to.deep.equal({ stdout: '2000\n', stderr: 'err\n', exitCode: 0 });
        const missing = await shell.spawnWaitText('no-such-command');
        expect(missing.exitCode).to.equal(127);
        expect(missing.stderr).to.contain('no-such-command: inaccessible or not found');
      });

      it('sync: push, stat, list, pull; stat of a missing file fails', async function () {
        const sync = await device.sync();
        try {
          const data = Buffer.from(`pushed by @yume-chan/adb to ${name}\n`);
          await sync.write({ filename: '/data/local/tmp/yume.txt', file: streamOf(data) as never, permission: 0o644, mtime: 1_700_000_000 });
          const stat = await sync.stat('/data/local/tmp/yume.txt');
          expect(Number(stat.size)).to.equal(data.length);
          expect(stat.mode & 0o777).to.equal(0o644);
          expect(Number(stat.mtime)).to.equal(1_700_000_000);
          expect(await sync.isDirectory('/data/local/tmp')).to.equal(true);
          const entries = await sync.readdir('/data/local/tmp');
          const entry = entries.find((e) => e.name === 'yume.txt');
          expect(entry?.type).to.equal(LinuxFileType.File);
          expect((await readAll(sync.read('/data/local/tmp/yume.txt'))).toString()).to.equal(data.toString());
          const error = await sync.stat('/data/local/tmp/absent').then(() => null, (e: Error) => e);
          expect(error).to.be.instanceOf(Error);
        } finally {
          await sync.dispose();
        }
      });

      it('reverse: a phone-side connection reaches the handler; any host spec is passed through; localabstract is listed', async function () {
        let received = '';
        let arrived!: () => void;
        const got = new Promise<void>((resolve) => (arrived = resolve));
        // add() resolves once adbd has answered the reverse:forward request (and, on Android 8+,
        // sent the port): the reverse is in place then, so no fixed wait before the phone connects.
        await device.reverse.add('tcp:47080', async (socket) => {
          received = (await readAll(socket.readable)).toString();
          arrived();
        });
        const list = await device.reverse.list();
        expect(list.map((l) => l.localName)).to.include('tcp:47080');
        // An app on the phone connects to 127.0.0.1:47080 (what the phone's network stack does).
        const socket: Duplex = await phone.android.connectLocal(47080);
        socket.end('hello from the phone');
        await got;
        expect(received).to.equal('hello from the phone');
        await device.reverse.remove('tcp:47080');

        await device.reverse.addExternal('localabstract:yume_probe', 'localabstract:host_side_name');
        const withAbstract = await device.reverse.list();
        expect(withAbstract.find((l) => l.localName === 'localabstract:yume_probe')?.remoteName).to.equal('localabstract:host_side_name');
        await device.reverse.remove('localabstract:yume_probe');
        expect((await device.reverse.list()).map((l) => l.localName)).to.not.include('localabstract:yume_probe');
      });

      it('framebuffer: the screen as adbd’s fbinfo header and RGBA pixels, the same pixels as screencap -p', async function () {
        const fb = await device.framebuffer();
        expect([fb.width, fb.height, fb.bpp]).to.deep.equal([screen.width, screen.height, 32]);
        expect([fb.red_offset, fb.green_offset, fb.blue_offset, fb.alpha_offset]).to.deep.equal([0, 8, 16, 24]);
        const png = PNG.sync.read(Buffer.from(await device.subprocess.noneProtocol.spawnWait(['screencap', '-p'])));
        expect(Buffer.from(fb.data).equals(png.data)).to.equal(true);
      });
    });
  }
});
