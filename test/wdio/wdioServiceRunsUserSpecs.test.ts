import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AdbServer, freePort } from '../../harness/device/index.js';
import { AppiumServer } from '../../harness/drive/index.js';
import { packageInfo } from '../../harness/packageInfo.js';
import type { RunRecord } from '../../harness/report/index.js';
import { simDeviceEntries } from '../scenario/simPhones.js';

const { root } = packageInfo();
const MINT = 'com.mi.globalbrowser.mini';
const VENDOR = 'sa.api.intl.miui.com';

function wdio(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['--no-install', 'wdio', ...args], { cwd: root, env, timeout: 240_000, maxBuffer: 32 << 20, killSignal: 'SIGTERM' }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
    );
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

// A WebdriverIO user's own wdio.conf.ts and Appium spec, with phonehome added as a service and a
// reporter: the real `wdio` CLI, its local runner and mocha framework, a real Appium with the
// stock UiAutomator2 driver, and a simulated Redmi Note 8 behind a private adb server. The spec
// drives Mint Browser itself through the session's `browser`; phonehome rigs the phone around it,
// marks the visit, judges it, and writes the run folder.
describe('wdio: the phonehome service runs around a user\'s own Appium specs', function () {
  this.timeout(300_000);
  let dir: string;
  const adb = new AdbServer();
  let appium: AppiumServer;
  let simPort: number;
  let result: { code: number | null; out: string };

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'phonehome-wdio-'));
    await adb.start();
    appium = new AppiumServer({ host: '127.0.0.1', port: 0, adbPort: adb.port, logFile: path.join(dir, 'appium.log') });
    await appium.start();
    const devices = await simDeviceEntries([{ name: 'wdio-phone', profile: 'redmi-note-8-2020' }]);
    const serial = (devices[0] as { serial: string }).serial;
    simPort = Number(serial.split(':')[1]);
    writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ default: 'wdio-phone', devices }, null, 2));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const wdioModule = path.join(root, 'harness/wdio/index.js');
    const assertions = path.join(root, 'harness/scenario/assertions.js');
    writeFileSync(path.join(dir, 'wdio.conf.ts'), `
import { PhonehomeReporter, PhonehomeService } from ${JSON.stringify(wdioModule)};

export const config: WebdriverIO.Config = {
  runner: 'local',
  specs: ['./mint.spec.ts'],
  maxInstances: 1,
  hostname: '127.0.0.1',
  port: ${appium.port},
  path: '/',
  logLevel: process.env.PHONEHOME_TEST_DEBUG ? 'info' : 'warn',
  outputDir: ${JSON.stringify(path.join(dir, 'wdio-logs'))},
  framework: 'mocha',
  mochaOpts: { timeout: 120000 },
  capabilities: [{
    platformName: 'Android',
    'appium:automationName': 'UiAutomator2',
    'appium:udid': ${JSON.stringify(serial)},
    'appium:adbPort': ${adb.port},
    'appium:systemPort': ${await freePort()},
    'appium:appPackage': '${MINT}',
    'appium:appActivity': 'com.miui.org.chromium.chrome.browser.ChromeTabbedActivity', // Mint 3.4 is a Chromium fork (sim/EVIDENCE.md)
    'appium:noReset': true,
    'appium:skipServerInstallation': true,
    'appium:skipDeviceInitialization': true,
    'appium:suppressKillServer': true,
    'wdio:enforceWebDriverClassic': true,
  }],
  services: [[PhonehomeService, { devicesFile: ${JSON.stringify(path.join(dir, 'devices.json'))}, adbPort: ${adb.port}, out: ${JSON.stringify(path.join(dir, 'reports'))}, suite: 'mint-wdio' }]],
  reporters: [[PhonehomeReporter, { stdout: true }]],
};
`);
    writeFileSync(path.join(dir, 'mint.spec.ts'), `
import { phonehome } from ${JSON.stringify(wdioModule)};
import { expect } from ${JSON.stringify(assertions)};

describe('Mint Browser', () => {
  it('opens a page, and Xiaomi telemetry gets its URL', async () => {
    const ph = phonehome();
    for (let i = 0; i < 5 && (await $('id=android:id/button1').isExisting()); i++) await $('id=android:id/button1').click();
    const url = ph.uniqueUrl();
    const visit = await ph.visit(url, async () => {
      // Mint 3.4 is a Chromium fork: its omnibox is url_bar, and shows the host once a page loaded.
      const bar = $('id=${MINT}:id/url_bar');
      await bar.click();
      await bar.setValue(url);
      await browser.pressKeyCode(66);
      await browser.waitUntil(async () => (await $('id=${MINT}:id/url_bar').getText()) === new URL(url).hostname, { timeout: 20000, timeoutMsg: 'the page did not load' });
    });
    // The Sensors SDK flushes when the app goes to the background.
    await browser.pressKeyCode(3);
    await ph.waitForTelemetry();
    expect(visit).to.have.leakedTo('${VENDOR}');
  });
});
`);
    result = await wdio(['run', path.join(dir, 'wdio.conf.ts')], { ...process.env, ANDROID_ADB_SERVER_PORT: String(adb.port) });
  });

  after(async function () {
    this.timeout(60_000);
    await appium?.stop();
    await adb.stop();
    if (dir && !process.env.PHONEHOME_TEST_DEBUG) rmSync(dir, { recursive: true, force: true });
  });

  it('the spec passes and the reporter prints the visit\'s verdict', () => {
    if (process.env.PHONEHOME_TEST_DEBUG) console.log(result.out);
    expect(result.code, result.out).to.equal(0);
    expect(result.out).to.match(/phonehome: Mint Browser opens a page, and Xiaomi telemetry gets its URL/);
    expect(result.out).to.match(new RegExp(`leaked\\s+visit v\\w+ \\(wdio-phone, mint 3\\.4\\.0, normal, https://news\\.example\\.org/story\\?[^)]*\\) → [^\\n]*${VENDOR.replace(/\./g, '\\.')}`));
  });

  it('the run folder holds the verdict and every report file', () => {
    const runDir = path.join(dir, 'reports', 'latest');
    const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    expect(run.status).to.equal('passed');
    expect(run.phones.map((p) => p.name)).to.deep.equal(['wdio-phone']);
    expect(run.visits).to.have.length(1);
    expect(run.visits[0]).to.include({ browser: 'mint', mode: 'normal', verdict: 'leaked' });
    expect(run.visits[0]!.hosts).to.include(VENDOR);
    const test = run.suites.find((s) => s.name === 'mint-wdio')?.tests[0];
    expect(test).to.include({ state: 'passed', fullTitle: 'Mint Browser opens a page, and Xiaomi telemetry gets its URL' });
    expect(test!.visitIds).to.deep.equal([run.visits[0]!.id]);
    expect(readFileSync(path.join(runDir, 'junit.xml'), 'utf8')).to.contain('opens a page, and Xiaomi telemetry gets its URL');
    const har = JSON.parse(readFileSync(path.join(runDir, 'traffic.har'), 'utf8')) as { log: { entries: Array<{ request: { url: string } }> } };
    expect(har.log.entries.some((e) => e.request.url.startsWith('https://news.example.org/story'))).to.equal(true);
    expect(statSync(path.join(runDir, 'index.html')).size).to.be.above(0);
  });

  it('the phone is put back: the simulated phone the service launched is stopped', async () => {
    expect(await listening(simPort)).to.equal(false);
  });
});
