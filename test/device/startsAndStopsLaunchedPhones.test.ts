import { expect } from 'chai';
import { AdbClient, AdbServer, DeviceSession, freePort } from '../../harness/device/index.js';

describe('device: phones started by their devices.json launch command', function () {
  this.timeout(60_000);
  const server = new AdbServer();
  let client: AdbClient;
  before(async () => {
    await server.start();
    client = new AdbClient({ port: server.port });
  });
  after(() => server.stop());

  it('starts `phonehome sim`, connects to the address it answers on, follows logcat, and stops it again', async () => {
    const port = await freePort();
    const serial = `127.0.0.1:${port}`;
    const session = new DeviceSession({
      entry: { name: 'launched', serial, launch: { command: 'phonehome', args: ['sim', '--profile', 'redmi-note-8-2020', '--port', String(port)] } },
      adb: client,
    });
    try {
      await session.start();
      expect(await client.state(serial)).to.equal('device');
      expect((await session.properties())['ro.product.model']).to.equal('Redmi Note 8');
      const t0 = Date.now();
      await session.adb.shell('am start -n com.mi.globalbrowser/com.android.browser.BrowserActivity');
      await new Promise((r) => setTimeout(r, 300));
      // What the phone logged in the window is there (ActivityManager's START line); the boot log from before is not.
      const window = session.logcatWindow(t0, Date.now());
      expect(window).to.match(/ActivityManager: START u0 .*com\.mi\.globalbrowser/);
      expect(window).to.not.match(/beginning of main/);
      expect(session.logcatWindow(0, t0 - 1)).to.match(/\S/);
    } finally {
      expect(await session.stop()).to.deep.equal({ ok: true, problems: [] });
    }
    expect(await client.state(serial)).to.equal('absent');
  });

  it('says why when the launch command dies before the phone comes up', async () => {
    const session = new DeviceSession({
      entry: { name: 'broken', serial: '127.0.0.1:1', launch: { command: 'phonehome', args: ['sim', '--profile', 'no-such-profile', '--port', '1'] } },
      adb: client,
      readyTimeoutMs: 20_000,
    });
    const error = await session.start().then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^device 'broken': its launch command exited with code \d+ before the phone came up \(.*no-such-profile/);
  });

  it('gives up after the ready timeout, naming the phone and what it saw', async () => {
    const session = new DeviceSession({ entry: { name: 'nowhere', serial: '127.0.0.1:9' }, adb: client, readyTimeoutMs: 1500 });
    const error = await session.start().then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^device 'nowhere' \(127\.0\.0\.1:9\) not ready after 1500 ms: .*(refused|failed)/i);
  });
});
