import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { remote } from 'webdriverio';
import { CaptureSidecar, loadOrCreateCa, readBody, readFlows, type Flow } from '../../harness/capture/index.js';
import { androidSystemCertificate } from '../../harness/device/index.js';
import { freePort } from '../../harness/device/adbServer.js';
import { AppiumServer } from '../../harness/drive/index.js';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

const PHONE_PROXY_PORT = 8080;
const BROWSERS = [
  { label: 'Mi Browser', pkg: 'com.android.browser', project: 'global_browser' },
  { label: 'Mint Browser', pkg: 'com.mi.globalbrowser.mini', project: 'global_browser_mini' },
  { label: 'Mi Browser Pro', pkg: 'com.mi.globalbrowser', project: 'global_browser' },
];

async function allFlows(dir: string): Promise<Flow[]> {
  const flows: Flow[] = [];
  for await (const flow of readFlows(dir)) flows.push(flow);
  return flows;
}

// The proof the simulator is real: Appium 3.8.0 with the stock UiAutomator2 driver 8.7.0,
// reached by WebdriverIO with ordinary capabilities, drives each browser of a simulated Redmi
// Note 8 behind Debian's adb (a private server), provisioned by hand (proxy via adb reverse, the
// sidecar CA in the system store); the page loads and the profile's telemetry land in the capture.
describe('appium: the stock UiAutomator2 driver drives the simulated browsers end to end', function () {
  this.timeout(90_000);
  const adb = new PrivateAdb();
  let dir: string;
  let capture: string;
  let sidecar: CaptureSidecar;
  let phone: SimulatedPhone;
  let appium: AppiumServer;
  const unknownCommands: string[] = [];

  const sh = async (cmd: string) => {
    const r = await adb.shell(phone.serial, cmd);
    if (r.code !== 0) throw new Error(`adb shell ${cmd} -> ${r.code}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  before(async function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'phonehome-appium-'));
    capture = path.join(dir, 'capture');
    sidecar = new CaptureSidecar({ out: capture, port: 0, home: path.join(dir, 'home'), heartbeatMs: 200 });
    await sidecar.start();
    await adb.start();
    phone = new SimulatedPhone({ profile: loadProfile('redmi-note-8-2020'), port: 0 });
    phone.on('shell', (event) => {
      if (!event.known) unknownCommands.push(`${event.command} (unknown: ${event.unknown.join(', ')})`);
    });
    await phone.start();
    await adb.connect(phone.serial);
    appium = new AppiumServer({ host: '127.0.0.1', port: 0, adbPort: adb.port, logFile: path.join(dir, 'appium.log') });
    const appiumUp = appium.start();

    // Provisioning, by hand: traffic to the sidecar through `adb reverse`, its CA in the system store.
    const reverse = await adb.run(['-s', phone.serial, 'reverse', `tcp:${PHONE_PROXY_PORT}`, `tcp:${sidecar.port}`]);
    expect(reverse.code, reverse.stderr).to.equal(0);
    await sh(`settings put global http_proxy 127.0.0.1:${PHONE_PROXY_PORT}`);
    const ca = await loadOrCreateCa(path.join(dir, 'home'));
    const cert = androidSystemCertificate(ca.certPem);
    const local = path.join(dir, cert.fileName);
    fs.writeFileSync(local, cert.content);
    const root = await adb.run(['-s', phone.serial, 'root']);
    if (/restarting adbd as root/.test(root.stdout + root.stderr)) {
      await adb.connect(phone.serial);
      expect((await adb.run(['-s', phone.serial, 'remount'])).code).to.equal(0);
      expect((await adb.run(['-s', phone.serial, 'push', local, `/system/etc/security/cacerts/${cert.fileName}`])).code).to.equal(0);
    } else {
      // A retail build refuses `adb root`; this phone is rooted (su): a tmpfs over the store with the old CAs and ours.
      expect((await adb.run(['-s', phone.serial, 'push', local, `/data/local/tmp/${cert.fileName}`])).code).to.equal(0);
      // Magisk's su: --mount-master so apps see the mount; folder and files labelled like the stock store.
      const root = (line: string) => sh(`su --mount-master -c '${line}'`);
      await root('mkdir -p /data/local/tmp/cacerts-copy');
      await root('cp -r /system/etc/security/cacerts/. /data/local/tmp/cacerts-copy/');
      await root('mount -t tmpfs tmpfs /system/etc/security/cacerts');
      await root('cp -r /data/local/tmp/cacerts-copy/. /system/etc/security/cacerts/');
      await root(`cp /data/local/tmp/${cert.fileName} /system/etc/security/cacerts/${cert.fileName}`);
      await root('chcon u:object_r:system_file:s0 /system/etc/security/cacerts /system/etc/security/cacerts/*');
    }
    expect(await sh(`ls /system/etc/security/cacerts/${cert.fileName}`)).to.contain(cert.fileName);
    await appiumUp;
  });

  after(async function () {
    this.timeout(30_000);
    await appium?.stop();
    await adb.stop();
    await phone?.stop();
    await sidecar?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const { label, pkg, project } of BROWSERS) {
    it(`${label} (${pkg}): type a URL, navigate, incognito, page source, back, screenshot, close; page and telemetry captured`, async () => {
      const token = `${pkg.replace(/\./g, '-')}-${Date.now().toString(36)}`;
      const first = `https://news.example/${token}/normal`;
      const second = `https://news.example/${token}/incognito-1`;
      const third = `https://news.example/${token}/incognito-2`;
      const driver = await remote({
        hostname: '127.0.0.1',
        port: appium.port,
        path: '/',
        logLevel: 'error',
        connectionRetryCount: 0,
        capabilities: {
          platformName: 'Android',
          'appium:automationName': 'UiAutomator2',
          'appium:udid': phone.serial,
          'appium:appPackage': pkg,
          // No appActivity: Appium resolves the launcher entry itself (appium-adb resolveLaunchableActivity
          // runs \`cmd package resolve-activity --brief PKG\`), as it does on a real phone.
          'appium:systemPort': await freePort(),
          'appium:skipServerInstallation': true,
          'appium:skipDeviceInitialization': true,
          'appium:noReset': true,
          'appium:suppressKillServer': true,
          'appium:adbPort': adb.port,
          'appium:newCommandTimeout': 60,
          'wdio:enforceWebDriverClassic': true,
        },
      });
      let closed = false;
      try {
        expect(await driver.getCurrentPackage()).to.equal(pkg);
        // First-run dialogs cover the browser until accepted.
        for (let i = 0; i < 5 && (await driver.$('id=android:id/button1').isExisting()); i++) await driver.$('id=android:id/button1').click();

        // The address bar as the real apps have it (sim/EVIDENCE.md "Browsers"): Mint's Chromium omnibox
        // `url_bar` (host only after a load, the full URL while focused); Mi Browser / Pro show
        // `search_hint`, and a tap opens the EditText `url` (privacytests.org's real Appium run).
        const mint = pkg === 'com.mi.globalbrowser.mini';
        const openBar = async () => {
          if (mint) {
            await driver.$('id=url_bar').click();
            return driver.$('id=url_bar');
          }
          await driver.$('id=search_hint').click();
          return driver.$('id=url');
        };
        const fullAddress = async () => {
          if (!mint) return driver.$('id=search_hint').getText();
          await driver.$('id=url_bar').click();
          const text = await driver.$('id=url_bar').getText();
          await driver.back();
          return text;
        };
        const address = await openBar();
        await address.setValue(first);
        expect(await address.getText()).to.equal(first);
        await driver.pressKeyCode(66);
        await driver.waitUntil(async () => (await fullAddress()) === first, { timeout: 10_000, timeoutMsg: `the address bar never showed ${first}` });
        if (mint) expect(await driver.$('id=url_bar').getText()).to.equal('news.example');

        await driver.$('~Menu').click();
        await driver.$('android=new UiSelector().text("Incognito mode")').click();
        // By content-description: the indicator's id is unverified, and some profiles have none (Pro on r8).
        const indicator = driver.$('~Incognito');
        expect(await indicator.isExisting()).to.equal(true);
        expect(await indicator.getAttribute('content-desc')).to.equal('Incognito');

        await (await openBar()).setValue(second);
        await driver.$('~Go').click();
        await driver.waitUntil(async () => (await fullAddress()) === second, { timeout: 10_000, timeoutMsg: `the address bar never showed ${second}` });
        await openBar();
        await driver.$(`//android.widget.EditText[@resource-id="${pkg}:id/${mint ? 'url_bar' : 'url'}"]`).setValue(`${third}\n`);
        await driver.waitUntil(async () => (await fullAddress()) === third, { timeout: 10_000, timeoutMsg: `the address bar never showed ${third}` });

        const source = await driver.getPageSource();
        expect(source).to.match(/^<\?xml version='1\.0' encoding='UTF-8' standalone='yes' \?>\n<hierarchy index="0" class="hierarchy" rotation="0" width="1080" height="2340">/);
        expect(source).to.contain('content-desc="Incognito"');
        expect(source).to.contain(mint ? 'text="news.example"' : `text="${third}"`);

        await driver.back();
        await driver.waitUntil(async () => (await fullAddress()) === second, { timeout: 5_000, timeoutMsg: 'back did not return to the previous incognito page' });
        expect(await driver.getCurrentPackage()).to.equal(pkg);

        const png = PNG.sync.read(Buffer.from(await driver.takeScreenshot(), 'base64'));
        expect([png.width, png.height]).to.deep.equal([1080, 2340]);
        let badge = 0;
        for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 94 && png.data[i + 1] === 53 && png.data[i + 2] === 177) badge++;
        expect(badge, 'the incognito badge in the screenshot').to.be.greaterThan(1000);

        await driver.deleteSession();
        closed = true;
        expect(await sh('ps -A')).to.not.contain('io.appium.uiautomator2.server');
      } finally {
        if (!closed) await driver.deleteSession().catch(() => undefined);
      }

      // Home sends the browser to the background, which flushes its telemetry queues.
      await sh('input keyevent 3');
      const deadline = Date.now() + 20_000;
      let flows: Flow[] = [];
      let telemetryUrls: string[] = [];
      for (;;) {
        flows = await allFlows(capture);
        const sensors = flows.filter((f) => f.host === 'sa.api.intl.miui.com' && f.query === `project=${project}&r=GB`);
        telemetryUrls = [];
        for (const flow of sensors) {
          const form = new URLSearchParams((await readBody(capture, flow.request.body)).toString());
          const events = JSON.parse(zlib.gunzipSync(Buffer.from(form.get('data_list') ?? '', 'base64')).toString()) as Array<{ properties?: { url?: string } }>;
          telemetryUrls.push(...events.map((e) => e.properties?.url ?? ''));
        }
        const pages = flows.filter((f) => f.host === 'news.example' && f.path.startsWith(`/${token}/`)).map((f) => f.path);
        if (pages.length >= 3 && telemetryUrls.includes(second)) {
          expect(pages).to.include.members([`/${token}/normal`, `/${token}/incognito-1`, `/${token}/incognito-2`]);
          break;
        }
        if (Date.now() > deadline) throw new Error(`capture incomplete after 20 s: pages ${pages.join(', ')}; telemetry urls ${telemetryUrls.join(', ')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // The 2020 browsers report incognito visits too (the published finding).
      expect(telemetryUrls).to.include.members([first, second, third]);
      expect(flows.find((f) => f.host === 'news.example' && f.path === `/${token}/normal`)!.scheme).to.equal('https');
    });
  }

  it('ran only shell commands the simulated phone knows', () => {
    expect(unknownCommands, unknownCommands.join('\n')).to.deep.equal([]);
  });
});
