import { expect } from 'chai';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DeviceSession } from '../../harness/device/index.js';
import { ActionFailedError, appiumFor, PhoneUiSession, SystemPortPool, SystemUiDriver, type AppiumEndpoint } from '../../harness/drive/index.js';
import type { SimulatedPhone } from '../../sim/phone.js';
import { PhoneLab } from '../device/phoneFixture.js';

/**
 * The system layer (launcher screens, a folder, the shade, Settings) driven through the real Appium
 * server and stock UiAutomator2 driver, with W3C touch actions for the gestures, on one simulated
 * MIUI phone. Each action gives back what the screen shows; what it cannot do fails naming why,
 * with a screenshot and the page source saved.
 */
describe('drive: the MIUI system layer through Appium (home screens, a folder, the shade, Settings)', function () {
  this.timeout(120_000);
  const lab = new PhoneLab();
  let appium: AppiumEndpoint;
  let dir: string;
  let phone: SimulatedPhone;
  let session: DeviceSession;
  let ui: PhoneUiSession;
  let system: SystemUiDriver;

  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-systemui-'));
    appium = await appiumFor({ name: 'any', serial: 'any' }, { adbPort: lab.server.port, logFile: path.join(dir, 'appium.log') });
    phone = await lab.phone('clean-control');
    session = await lab.session(phone, { name: 'control' });
    ui = new PhoneUiSession({ phone: session, appiumUrl: appium.url, systemPort: await new SystemPortPool().portFor(session.entry) });
    system = new SystemUiDriver({ phone: session, driver: await ui.driver(), evidenceDir: path.join(dir, 'failures') });
  });
  after(async () => {
    await ui?.close();
    await appium?.stop().catch(() => undefined);
    await lab.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const panelShown = () => JSON.stringify(phone.android.apps.ui.hierarchy()).includes('com.android.systemui:id/notification_panel');

  it('swipes between home screens and says which is shown; past the last one it fails with the evidence saved', async () => {
    expect(await system.home()).to.deep.equal({ what: 'home-screen', name: 'Home screen 1 of 3' });
    expect((await system.swipeHomeScreen('next')).name).to.equal('Home screen 2 of 3');
    expect((await system.swipeHomeScreen('next')).name).to.equal('Home screen 3 of 3');
    const error = await system.swipeHomeScreen('next').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ActionFailedError);
    expect((error as Error).message).to.match(/^control: a next swipe on the launcher did not change the home screen \(still 'Home screen 3 of 3'\)/);
    await access((error as ActionFailedError).screenshot!);
    await access((error as ActionFailedError).pageSource!);
    expect((await system.swipeHomeScreen('previous')).name).to.equal('Home screen 2 of 3');
  });

  it('opens a folder from whichever home screen is shown (first by its description, then by name) and reads its name', async () => {
    // From screen 2: back to the first screen, where the folder is.
    expect(await system.openFolder()).to.deep.equal({ what: 'folder', name: 'Mi tools' });
    await system.back();
    expect((await system.openFolder('Mi tools')).name).to.equal('Mi tools');
    await system.back();
    const missing = await system.openFolder('No such folder').then(() => undefined, (e: unknown) => e);
    expect((missing as Error).message).to.match(/^control: no icon named 'No such folder' on any home screen/);
  });

  it('pulls the shade down by a swipe from the top and by cmd statusbar; Back closes it', async () => {
    await system.home();
    expect(await system.pullDownStatusBar()).to.deep.equal({ what: 'status-bar', name: 'Notification shade' });
    await system.back();
    expect(panelShown()).to.equal(false);
    expect((await system.pullDownStatusBar({ via: 'adb' })).name).to.equal('Notification shade');
    await system.back();
    expect(panelShown()).to.equal(false);
  });

  it("opens Settings' main page and names it by its activity", async () => {
    expect(await system.openSettings()).to.deep.equal({ what: 'settings', name: 'com.android.settings.MainSettings' });
    await system.back();
    expect(phone.android.apps.ui.focus()?.package).to.equal('com.miui.home');
  });
});
