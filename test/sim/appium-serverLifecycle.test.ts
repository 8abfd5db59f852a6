import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PhonehomeError } from '../../harness/errors.js';
import { AppiumServer, ensureAndroidHome, PROJECT_ROOT, resolveAdbBinary } from '../../harness/drive/index.js';

async function status(url: string): Promise<number | string> {
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(3000) });
    return res.status;
  } catch (error) {
    return String((error as { cause?: { code?: string } }).cause?.code ?? error);
  }
}

describe('appium: the harness starts and stops its own Appium server', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-appium-life-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds an ANDROID_HOME without an SDK: platform-tools/adb links the system adb, build-tools is empty', () => {
    const adb = resolveAdbBinary();
    expect(path.isAbsolute(adb)).to.equal(true);
    const home = ensureAndroidHome({ dir: path.join(dir, 'sdk') });
    expect(home).to.equal(path.join(dir, 'sdk'));
    expect(fs.readlinkSync(path.join(home, 'platform-tools', 'adb'))).to.equal(adb);
    expect(fs.readdirSync(path.join(home, 'build-tools'))).to.deep.equal([]);
    expect(ensureAndroidHome({ dir: path.join(dir, 'sdk') })).to.equal(home);
    // Another adb: the link is swapped, the folder stays.
    ensureAndroidHome({ dir: path.join(dir, 'sdk'), adbBin: '/bin/sh' });
    expect(fs.readlinkSync(path.join(home, 'platform-tools', 'adb'))).to.equal('/bin/sh');
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).to.deep.equal([]);
  });

  it('says clearly when adb is missing or a port is not a port', () => {
    expect(() => resolveAdbBinary('/nonexistent/adb')).to.throw(PhonehomeError, /'\/nonexistent\/adb' is not an executable file; fix PHONEHOME_ADB/);
    expect(() => resolveAdbBinary('no-such-adb-binary')).to.throw(PhonehomeError, /was not found on PATH/);
    expect(() => new AppiumServer({ port: 70000 })).to.throw(PhonehomeError, /port 70000 is not a TCP port/);
    expect(() => new AppiumServer().url).to.throw(PhonehomeError, /before start/);
  });

  it('starts on a free loopback port with the project as APPIUM_HOME (the pinned UiAutomator2 driver loads), and stops', async () => {
    const logFile = path.join(dir, 'appium.log');
    const server = new AppiumServer({ port: 0, adbPort: 5999, logFile, androidHome: ensureAndroidHome({ dir: path.join(dir, 'sdk') }) });
    await server.start();
    try {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await status(server.url)).to.equal(200);
      const log = server.recentLog().join('\n');
      expect(log).to.match(/uiautomator2@8\.7\.0/);
      expect(log).to.contain(PROJECT_ROOT);
      expect(fs.readFileSync(logFile, 'utf8')).to.contain('Appium REST http interface listener started');
      let again: unknown;
      await server.start().catch((e: unknown) => (again = e));
      expect(again).to.be.instanceOf(PhonehomeError);
      expect((again as Error).message).to.match(/already started/);
    } finally {
      const url = server.url;
      await server.stop();
      expect(server.running).to.equal(false);
      expect(await status(url)).to.equal('ECONNREFUSED');
      await server.stop();
    }
  });

  it('fails with the reason when its fixed port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const server = new AppiumServer({ port, startTimeoutMs: 20_000, androidHome: path.join(dir, 'sdk') });
      let error: unknown;
      await server.start().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(PhonehomeError);
      expect((error as Error).message).to.match(/EADDRINUSE|already in use|exited during start-up/);
      expect(server.running).to.equal(false);
    } finally {
      blocker.close();
    }
  });
});
