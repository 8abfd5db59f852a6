import { expect } from 'chai';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CaptureSidecar, MarkerWriter, readBlindSpots, readFlows, readMarkers, type Flow } from '../../harness/capture/index.js';
import { androidSystemCertificate } from '../../harness/device/provision/androidCertName.js';
import { makeSearchTerm, makeVisitToken, visitsFromMarkers } from '../../harness/detect/index.js';
import type { BrowserMode } from '../../harness/detect/types.js';
import { verifyCapture } from '../../harness/detect/index.js';
import { DeviceLostError, type DeviceSession } from '../../harness/device/index.js';
import { ActionFailedError, appiumFor, browserProfile, BrowserSession, PhoneUiSession, SystemPortPool, type AppiumEndpoint } from '../../harness/drive/index.js';
import { ROOT } from '../../sim/android/fileSystem.js';
import type { SimulatedPhone } from '../../sim/phone.js';
import { PhoneLab } from '../device/phoneFixture.js';

const BROWSERS = ['mi-browser', 'mint', 'mi-browser-pro'] as const;
const MODES: BrowserMode[] = ['normal', 'incognito'];

async function flows(dir: string): Promise<Flow[]> {
  const out: Flow[] = [];
  for await (const flow of readFlows(dir)) out.push(flow);
  return out;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The phone's proxy setting, reverses and CA stores: what must be as found after a run. */
async function phoneState(session: DeviceSession, phone: SimulatedPhone) {
  return {
    proxy: (await session.adb.shell('settings get global http_proxy')).trim(),
    reverses: await session.adb.listReverses(),
    systemCAs: phone.android.caCertificates('system'),
    userCAs: phone.android.caCertificates('user'),
  };
}

/** What every phone of these tests shares, as one run does: the private adb server and Appium. */
const lab = new PhoneLab();
const ports = new SystemPortPool();
let appium: AppiumEndpoint;
let appiumLogDir: string;

/** UiAutomator2 sessions Appium has created so far (its own log line for each). */
async function appiumSessionsCreated(): Promise<number> {
  const log = await readFile(path.join(appiumLogDir, 'appium.log'), 'utf8').catch(() => '');
  return log.split('\n').filter((line) => /New AndroidUiautomator2Driver session created successfully/.test(line)).length;
}

/** One provisioned phone with its own capture sidecar and its Appium session shared by its browsers, as a run sets it up. */
class RunRig {
  readonly lab = lab;
  dir!: string;
  sidecar!: CaptureSidecar;
  phone!: SimulatedPhone;
  session!: DeviceSession;
  before!: Awaited<ReturnType<typeof phoneState>>;
  ui: PhoneUiSession | undefined;

  async start(profile: string, prepare?: (phone: SimulatedPhone, caPem: string) => void): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-drive-'));
    this.sidecar = new CaptureSidecar({ out: path.join(this.dir, 'capture'), home: path.join(this.dir, 'home'), upstream: 'sink' });
    await this.sidecar.start();
    this.phone = await lab.phone(profile);
    prepare?.(this.phone, this.sidecar.ca.certPem);
    this.session = await lab.session(this.phone, { name: profile });
    this.before = await phoneState(this.session, this.phone);
    await this.session.provision({ proxyPort: this.sidecar.port, caCertPem: this.sidecar.ca.certPem });
  }

  /** A browser on the rig's phone, in the phone's shared Appium session; on another phone, in a session of its own. */
  async browser(name: string, mode: BrowserMode, session: DeviceSession = this.session): Promise<BrowserSession> {
    const systemPort = await ports.portFor(session.entry);
    if (session === this.session) this.ui ??= new PhoneUiSession({ phone: session, appiumUrl: appium.url, systemPort });
    const browser = new BrowserSession({
      phone: session, profile: browserProfile(name), mode, appiumUrl: appium.url,
      systemPort, captureDir: this.sidecar.out, markers: new MarkerWriter(this.sidecar.out),
      ...(session === this.session ? { ui: this.ui } : {}),
    });
    await browser.start();
    return browser;
  }

  /** Ends the phone's shared Appium session (before the phone is put back, as a run does). */
  async endUi(): Promise<void> {
    await this.ui?.close();
    this.ui = undefined;
  }

  async stop(): Promise<void> {
    await this.endUi();
    await this.session?.stop().catch(() => undefined);
    await this.phone?.stop().catch(() => undefined);
    await this.sidecar?.stop().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

describe('drive: browsers on provisioned phones through Appium, captured by the sidecar', function () {
  this.timeout(120_000);
  before(async () => {
    await lab.start();
    appiumLogDir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-appium-'));
    appium = await appiumFor({ name: 'any', serial: 'any' }, { adbPort: lab.server.port, logFile: path.join(appiumLogDir, 'appium.log') });
  });
  after(async () => {
    await appium?.stop().catch(() => undefined);
    await lab.stop();
    await rm(appiumLogDir, { recursive: true, force: true });
  });

describe('drive: browsing on a rootable phone through Appium, captured by the sidecar', function () {
  this.timeout(120_000);
  const rig = new RunRig();
  let sessionsBefore = 0;
  before(async () => {
    await rig.start('redmi-note-8-2020');
    sessionsBefore = await appiumSessionsCreated();
  });
  after(() => rig.stop());

  it('the provisioning check passes: one canary navigation shows up in the capture', async () => {
    const browser = await rig.browser('mint', 'normal');
    try {
      const verified = await verifyCapture({ device: rig.session.name, captureDir: rig.sidecar.out, navigate: (url) => browser.visit(url) });
      expect((await flows(rig.sidecar.out)).find((f) => f.id === verified.flowId)?.host).to.equal('example.com');
    } finally {
      await browser.close();
    }
  });

  for (const name of BROWSERS) {
    for (const mode of MODES) {
      it(`${name}, ${mode}: visit and search give right Visit records, and the page loads are in the capture`, async () => {
        const browser = await rig.browser(name, mode);
        try {
          const visitToken = makeVisitToken();
          const url = `https://news.example.org/story/${visitToken}?ref=phonehome`;
          const visit = await browser.visit(url, { tokens: [visitToken] });
          expect(visit).to.deep.include({ device: rig.session.name, browser: name, mode, url });
          expect(visit.version).to.equal(browser.version).and.match(/^\d+\.\d+\.\d+$/);
          expect(visit.t1).to.be.at.least(visit.t0);
          expect(visit.canaries).to.deep.include({ kind: 'visit-token', value: visitToken, visitId: visit.id });
          expect(visit.canaries).to.deep.include({ kind: 'visit-url', value: url, visitId: visit.id });

          const term = makeSearchTerm();
          const search = await browser.search(term);
          expect(search.searchTerms).to.deep.equal([term]);
          expect(search.url).to.match(/^https?:\/\//);
          expect(search.canaries).to.deep.include({ kind: 'search-term', value: term, visitId: search.id });

          const captured = await waitFor('both page loads in the capture', async () => {
            const all = await flows(rig.sidecar.out);
            const page = all.find((f) => f.host === 'news.example.org' && f.path.includes(visitToken));
            const results = all.find((f) => decodeURIComponent(`${f.path}?${f.query}`.replace(/\+/g, ' ')).includes(term));
            return page && results ? { page, results } : undefined;
          });
          expect(captured.page.scheme).to.equal('https');
          expect(captured.page.startedAt).to.be.within(visit.t0, visit.t1 + 5000);

          for (const v of [visit, search]) {
            await access(path.join(rig.sidecar.out, 'visits', `${v.id}.png`));
            await access(path.join(rig.sidecar.out, 'visits', `${v.id}.logcat.txt`));
          }
          const markers = await readMarkers(rig.sidecar.out);
          expect(markers.filter((m) => m.visitId === visit.id && m.kind !== 'note').map((m) => m.kind)).to.deep.equal(['visit-start', 'visit-end']);
          // The detector reads the same Visit records back from the capture's markers.
          const recorded = visitsFromMarkers(markers);
          expect(recorded.find((v) => v.id === visit.id)).to.deep.equal(visit);
          expect(recorded.find((v) => v.id === search.id)).to.deep.equal(search);
        } finally {
          await browser.close();
        }
      });
    }
  }

  it('every browser and mode above ran in one Appium session on the phone (a phone runs one UiAutomator2 server)', async () => {
    expect(rig.ui?.open).to.equal(true);
    expect(await appiumSessionsCreated() - sessionsBefore).to.equal(1);
  });

  it("captures the browsers' telemetry, since the CA is in the system store", async () => {
    const telemetry = await waitFor('a telemetry flow', async () => (await flows(rig.sidecar.out)).find((f) => f.host === 'sa.api.intl.miui.com'), 20_000);
    expect(telemetry.method).to.equal('POST');
  });

  it('an action whose result does not check out fails with a screenshot and the page source saved', async () => {
    const browser = await rig.browser('mi-browser-pro', 'normal'); // 12.1.3: no incognito-data switch yet
    try {
      const error = await browser.setIncognitoDataSwitch('off').then(() => null, (e: Error) => e);
      expect(error).to.be.instanceOf(ActionFailedError);
      expect(error?.message).to.match(/mi-browser-pro \(normal\) on redmi-note-8-2020: setIncognitoDataSwitch\(off\) failed: .*has no incognito-data switch/);
      const failed = error as ActionFailedError;
      await access(failed.screenshot!);
      await access(failed.pageSource!);
    } finally {
      await browser.close();
    }
  });

  it('after the run the proxy setting and CA stores are as they were found', async () => {
    await rig.endUi();
    const result = await rig.session.stop();
    expect(result).to.deep.equal({ ok: true, problems: [] });
    // The session is stopped; read the phone through a fresh one.
    const again = await rig.lab.session(rig.phone, { name: 'after' });
    expect(await phoneState(again, rig.phone)).to.deep.equal(rig.before);
  });
});

describe('drive: a phone without root (user CA) and the 2020 fix', function () {
  this.timeout(120_000);
  const rig = new RunRig();
  before(() => rig.start('redmi-note-8-retail', (phone, caPem) => {
    // The one-time manual install of the phonehome CA by the phone's user (Settings › Install a certificate).
    const { fileName, content } = androidSystemCertificate(caPem);
    phone.android.files.writeFile(`/data/misc/user/0/cacerts-added/${fileName}`, Buffer.from(content), ROOT, { mode: 0o644 });
  }));
  after(() => rig.stop());

  it('page loads are captured, and telemetry that ignores user CAs shows up as a blind spot', async () => {
    const browser = await rig.browser('mint', 'incognito');
    try {
      const visitToken = makeVisitToken();
      const visit = await browser.visit(`https://shop.example.net/item/${visitToken}`, { tokens: [visitToken] });
      await waitFor('the page load', async () => (await flows(rig.sidecar.out)).find((f) => f.path.includes(visitToken)));
      // The app's telemetry ignores user CAs: its handshakes fail, and the capture says so.
      const blind = await waitFor('a tls-rejected blind spot for a telemetry host', async () =>
        (await readBlindSpots(rig.sidecar.out)).find((b) => b.reason === 'tls-rejected' && b.host !== undefined && b.host !== 'shop.example.net'), 20_000);
      expect(blind.time).to.be.at.least(visit.t0 - 60_000);
      expect((await flows(rig.sidecar.out)).some((f) => f.host === blind.host)).to.equal(false);
    } finally {
      await browser.close();
    }
  });

  it('after the run the proxy setting and CA stores are as they were found (the user CA stays)', async () => {
    await rig.endUi();
    expect(await rig.session.stop()).to.deep.equal({ ok: true, problems: [] });
    const again = await rig.lab.session(rig.phone, { name: 'after' });
    expect(await phoneState(again, rig.phone)).to.deep.equal(rig.before);
    expect(rig.before.userCAs).to.have.length(1);
  });
});

describe('drive: the incognito-data switch of the fixed versions', function () {
  this.timeout(120_000);
  const rig = new RunRig();
  before(() => rig.start('redmi-note-8-2020-updated'));
  after(() => rig.stop());

  it('sets the switch off and on again, checking its state, and stays in incognito', async () => {
    const browser = await rig.browser('mint', 'incognito');
    try {
      await browser.setIncognitoDataSwitch('off');
      await browser.setIncognitoDataSwitch('on');
      await browser.setIncognitoDataSwitch('on'); // already on: no click, still checked
      const visit = await browser.visit(`https://example.org/${makeVisitToken()}`);
      expect(visit.mode).to.equal('incognito');
    } finally {
      await browser.close();
    }
  });
});

describe('drive: a phone that disconnects mid-session', function () {
  this.timeout(120_000);
  const rig = new RunRig();
  before(() => rig.start('redmi-note-8-2020'));
  after(() => rig.stop());

  it('fails that session with a clear error and leaves the other phone running', async () => {
    const otherPhone = await rig.lab.phone('clean-control');
    const otherSession = await rig.lab.session(otherPhone, { name: 'clean-control' });
    await otherSession.provision({ proxyPort: rig.sidecar.port, caCertPem: rig.sidecar.ca.certPem });
    const leaving = await rig.browser('mint', 'normal');
    const staying = await rig.browser('mint', 'normal', otherSession);
    try {
      await rig.phone.stop();
      const error = await leaving.visit(`https://example.org/${makeVisitToken()}`).then(() => null, (e: Error) => e);
      expect(error).to.be.instanceOf(DeviceLostError);
      expect(error?.message).to.match(/redmi-note-8-2020 \(127\.0\.0\.1:\d+\) is (no longer connected|offline)|not reachable/);
      const visit = await staying.visit(`https://example.org/${makeVisitToken()}`);
      expect(visit.device).to.equal('clean-control');
    } finally {
      await leaving.close();
      await staying.close();
    }
  });
});
});
