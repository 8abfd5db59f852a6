import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { CaptureSidecar, loadOrCreateCa, readBlindSpots, readBody, type BlindSpot, type Flow } from '../../harness/capture/index.js';
import { androidSystemCertificate } from '../../harness/device/index.js';
import { ROOT } from '../../sim/android/fileSystem.js';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { UiNode } from '../../sim/ui.js';
import { collectFlows, tempDir } from '../capture/captureTestKit.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';

// End to end: the real SimulatedPhone behind Debian's adb (private server), provisioned the way a
// harness does it (adb reverse + settings http_proxy + CA), browsed with `adb shell input`, while
// the capture sidecar records. The browsers' page loads and their telemetry must land there.
describe('sim/apps on the real simulated phone: browsing through adb reaches the capture sidecar', function () {
  this.timeout(60000);
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: CaptureSidecar;
  let adb: PrivateAdb;
  const phones: SimulatedPhone[] = [];

  before(async () => {
    tmp = tempDir('simapps');
    sidecar = new CaptureSidecar({ out: path.join(tmp.dir, 'cap'), port: 0, home: path.join(tmp.dir, 'home'), heartbeatMs: 200 });
    await sidecar.start();
    adb = new PrivateAdb();
    await adb.start();
  });
  after(async () => {
    await adb?.stop();
    for (const phone of phones) await phone.stop();
    await sidecar?.stop();
    tmp?.remove();
  });

  async function phoneFor(profile: string): Promise<{ phone: SimulatedPhone; serial: string; sh: (cmd: string) => Promise<string> }> {
    const phone = new SimulatedPhone({ profile: loadProfile(profile), port: 0 });
    phones.push(phone);
    await phone.start();
    const serial = phone.serial;
    await adb.connect(serial);
    const sh = async (cmd: string) => {
      const r = await adb.shell(serial, cmd);
      if (r.code !== 0) throw new Error(`adb shell ${cmd} -> ${r.code}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const reverse = await adb.run(['-s', serial, 'reverse', 'tcp:8080', `tcp:${sidecar.port}`]);
    expect(reverse.code, reverse.stderr).to.equal(0);
    await sh('settings put global http_proxy 127.0.0.1:8080');
    return { phone, serial, sh };
  }

  function nodeOf(phone: SimulatedPhone, pred: (n: UiNode) => boolean): UiNode {
    const walk = (n: UiNode): UiNode | null => (pred(n) ? n : n.children.map(walk).find((x) => x) ?? null);
    const found = walk(phone.android.apps.ui.hierarchy());
    if (!found) throw new Error('node not on screen');
    return found;
  }
  const tapArgs = (n: UiNode) => `${Math.round((n.bounds[0] + n.bounds[2]) / 2)} ${Math.round((n.bounds[1] + n.bounds[3]) / 2)}`;

  async function waitFlows(pred: (flows: Flow[]) => boolean, what: string): Promise<Flow[]> {
    const deadline = Date.now() + 15000;
    for (;;) {
      const flows = await collectFlows(path.join(tmp.dir, 'cap'));
      if (pred(flows)) return flows;
      if (Date.now() > deadline) throw new Error(`no ${what} in the capture within 15 s (flows: ${flows.map((f) => f.host + f.path).join(', ')})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const sensorsUrls = async (flow: Flow) => {
    const body = (await readBody(path.join(tmp.dir, 'cap'), flow.request.body)).toString();
    const events = JSON.parse(zlib.gunzipSync(Buffer.from(new URLSearchParams(body).get('data_list') ?? '', 'base64')).toString()) as Array<{ properties: { url?: string } }>;
    return events.map((e) => e.properties.url ?? '');
  };

  it('a rooted Redmi Note 8 with the CA in its system store: the incognito page load and its Sensors telemetry are both captured', async () => {
    const { phone, sh } = await phoneFor('redmi-note-8-2020');
    const ca = await loadOrCreateCa(path.join(tmp.dir, 'home'));
    const cert = androidSystemCertificate(ca.certPem);
    const local = path.join(tmp.dir, cert.fileName);
    fs.writeFileSync(local, cert.content);
    const push = await adb.run(['-s', phone.serial, 'push', local, `/data/local/tmp/${cert.fileName}`]);
    expect(push.code, push.stderr).to.equal(0);
    // The usual rooted-phone provisioning: a tmpfs over the system store with the old CAs and ours,
    // labelled like the stock store (folder and files), in Magisk's global namespace so apps see it.
    const root = (line: string) => sh(`su --mount-master -c '${line}'`);
    await root('mkdir -p /data/local/tmp/cacerts-copy');
    await root('cp -r /system/etc/security/cacerts/. /data/local/tmp/cacerts-copy/');
    await root('mount -t tmpfs tmpfs /system/etc/security/cacerts');
    await root('cp -r /data/local/tmp/cacerts-copy/. /system/etc/security/cacerts/');
    await root(`cp /data/local/tmp/${cert.fileName} /system/etc/security/cacerts/${cert.fileName}`);
    await root('chcon u:object_r:system_file:s0 /system/etc/security/cacerts /system/etc/security/cacerts/*');

    expect(await sh('pm list packages')).to.include('package:com.mi.globalbrowser.mini').and.include('package:io.appium.uiautomator2.server.test');
    const start = await sh('am start -W -n com.mi.globalbrowser.mini/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity');
    expect(start).to.match(/Status: ok/);
    for (let i = 0; i < 3; i++) {
      const button = (() => {
        try {
          return nodeOf(phone, (n) => n.resourceId === 'android:id/button1');
        } catch {
          return null;
        }
      })();
      if (!button) break;
      await sh(`input tap ${tapArgs(button)}`);
    }
    await sh(`input keyevent 82`);
    await sh(`input tap ${tapArgs(nodeOf(phone, (n) => n.resourceId === 'com.mi.globalbrowser.mini:id/menu_incognito'))}`);
    const token = `canary-${Date.now().toString(36)}`;
    await sh(`input tap ${tapArgs(nodeOf(phone, (n) => n.resourceId === 'com.mi.globalbrowser.mini:id/url_bar'))}`);
    await sh(`input text https://news.example/${token}`);
    await sh('input keyevent 66');
    expect(nodeOf(phone, (n) => n.resourceId === 'com.mi.globalbrowser.mini:id/incognito_indicator')).to.be.ok;
    await sh('input keyevent 3'); // home: the Sensors batch is flushed
    const flows = await waitFlows((fs_) => fs_.some((f) => f.host === 'news.example') && fs_.some((f) => f.host === 'sa.api.intl.miui.com'), 'page and Sensors flows');
    const page = flows.find((f) => f.host === 'news.example')!;
    expect(page.scheme).to.equal('https');
    expect(page.path).to.equal(`/${token}`);
    const sensors = flows.filter((f) => f.host === 'sa.api.intl.miui.com');
    expect(sensors[0]!.query).to.equal('project=global_browser_mini&r=GB');
    const urls = (await Promise.all(sensors.map(sensorsUrls))).flat();
    expect(urls).to.include(`https://news.example/${token}`);
    const logcat = await sh('logcat -d');
    expect(logcat).to.contain('Start proc');
  });

  it('an unrooted retail phone with only a user CA: pages are captured, its telemetry is a tls-rejected blind spot', async () => {
    const { phone, sh } = await phoneFor('redmi-note-8-retail');
    expect((await adb.shell(phone.serial, 'su 0 id')).code).to.not.equal(0);
    const ca = await loadOrCreateCa(path.join(tmp.dir, 'home'));
    // The user store, as Settings > Security > Install certificate puts it (written here through the model).
    phone.android.files.writeFile(`/data/misc/user/0/cacerts-added/${androidSystemCertificate(ca.certPem).fileName}`, Buffer.from(ca.certPem), ROOT, { mode: 0o644 });
    await sh('am start -W -n com.mi.globalbrowser/com.android.browser.BrowserActivity');
    const token = `retail-${Date.now().toString(36)}`;
    // Mi Browser Pro: tap search_hint, which opens the editable url (privacytests.org's real run).
    await sh(`input tap ${tapArgs(nodeOf(phone, (n) => n.resourceId === 'com.mi.globalbrowser:id/search_hint'))}`);
    await sh(`input text https://shop.example/${token}`);
    await sh('input keyevent 66');
    await sh('input keyevent 3');
    await waitFlows((fs_) => fs_.some((f) => f.host === 'shop.example' && f.path === `/${token}`), 'the retail page load');
    const deadline = Date.now() + 10000;
    let spots: BlindSpot[] = [];
    while (Date.now() < deadline) {
      spots = await readBlindSpots(path.join(tmp.dir, 'cap'));
      if (spots.some((s) => s.host === 'sa.api.intl.miui.com' && s.reason === 'tls-rejected')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(spots.some((s) => s.host === 'sa.api.intl.miui.com' && s.reason === 'tls-rejected'), JSON.stringify(spots)).to.equal(true);
  });
});
