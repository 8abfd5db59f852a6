import { expect } from 'chai';
import { runControlCommand } from '../../sim/controlSocket.js';
import { createAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { SimulatedPhone } from '../../sim/phone.js';
import type { PhoneEvent } from '../../sim/services.js';
import { sh } from './android-support.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from './net-testProxy.js';

/**
 * Phone events from outside adb (sim/android/phoneEvents.ts): an SMS delivered with the emulator
 * console's words on the control socket lands in content://sms/inbox; a Mi Account sign-in shows
 * in `dumpsys account`; `svc wifi enable` after `disable` is a Wi-Fi join. Each reaches the
 * running apps, whose service telemetry sends what the profile says.
 */
describe('sim: phone events from outside adb (SMS, Mi Account, Wi-Fi)', function () {
  this.timeout(20000);

  describe('on the phone (control socket and shell)', () => {
    let phone: SimulatedPhone;
    const seen: PhoneEvent[] = [];

    before(async () => {
      phone = new SimulatedPhone({ profile: loadProfile('redmi-1s-2014'), port: 0 });
      await phone.start();
      // Observe what the apps receive, then pass it on unchanged.
      const runtime = phone.android.apps;
      const deliver = runtime.phoneEvent?.bind(runtime);
      runtime.phoneEvent = (event) => {
        seen.push(event);
        deliver?.(event);
      };
    });
    after(async () => {
      await phone?.stop();
    });
    beforeEach(() => {
      seen.length = 0;
    });

    it('`sms send NUMBER TEXT` delivers to content://sms/inbox and broadcasts the sender; a bad sender or no text is refused', async () => {
      expect(runControlCommand(phone, 'sms send +447700900123 hello from the network')).to.equal('ok delivered sms 1 from +447700900123');
      const inbox = await sh(phone.android, "content query --uri content://sms/inbox --projection address:body --where \"body='hello from the network'\"");
      expect(inbox.stdout).to.equal('Row: 0 address=+447700900123, body=hello from the network\n');
      expect(seen).to.deep.equal([{ kind: 'sms-received', sms: { from: '+447700900123' } }]);
      expect(runControlCommand(phone, 'sms send +4477 ')).to.equal('error usage: sms send <phonenumber> <text message>');
      expect(runControlCommand(phone, 'sms send not;a;number hi')).to.match(/^error 'not;a;number' is not a phone number/);
      expect(seen).to.have.length(1);
    });

    it('`mi-account sign-in` adds a com.xiaomi account once (dumpsys account lists it); a second sign-in changes nothing', async () => {
      expect((await sh(phone.android, 'dumpsys account')).stdout).to.include('Accounts: 0');
      expect(runControlCommand(phone, 'mi-account sign-in')).to.equal('ok signed in 1100000001 (type com.xiaomi)');
      const dump = (await sh(phone.android, 'dumpsys account')).stdout;
      expect(dump).to.include('Accounts: 1').and.include('Account {name=1100000001, type=com.xiaomi}');
      expect(runControlCommand(phone, 'mi-account sign-in')).to.equal('ok already signed in 1100000001 (type com.xiaomi)');
      expect(seen).to.deep.equal([{ kind: 'account-added', account: { name: '1100000001', type: 'com.xiaomi' } }]);
    });

    it('`svc wifi enable` is a Wi-Fi join only when Wi-Fi was off', async () => {
      await sh(phone.android, 'svc wifi enable');
      expect(seen, 'already on: no join').to.deep.equal([]);
      await sh(phone.android, 'svc wifi disable');
      expect((await sh(phone.android, 'settings get global wifi_on')).stdout.trim()).to.equal('0');
      const on = await sh(phone.android, 'svc wifi enable');
      expect(on).to.deep.include({ code: 0, stdout: '' });
      expect(seen).to.deep.equal([{ kind: 'wifi-connected' }]);
      // Any other verb: WifiCommand's long help on stderr, nothing changed.
      expect((await sh(phone.android, 'svc wifi on')).stderr).to.include('usage: svc wifi [enable|disable]');
      expect(seen).to.have.length(1);
    });
  });

  describe('what the Redmi 1S services send', () => {
    let ca: TestCA;
    let proxy: InterceptingProxy;
    before(async () => {
      ca = new TestCA('r1s-events');
      proxy = new InterceptingProxy(ca);
      await proxy.start();
    });
    after(async () => {
      await proxy.stop();
      ca.remove();
    });

    async function boot(name: string) {
      const profile = loadProfile(name);
      const ctx = new TestPhoneContext(profile);
      ctx.cas.system.push(ca.certPem);
      ctx.reverses.set(8080, proxy.port);
      ctx.setProxy('127.0.0.1:8080');
      proxy.requests.length = 0;
      const runtime = createAppRuntime(ctx);
      await new Promise((r) => setTimeout(r, 50)); // boot: the services start
      await runtime.whenIdle();
      return { profile, runtime };
    }

    it('before the OTA: the SMS sender with IMEI, number and carrier; after a Mi Cloud sign-in, the IMSI; all plain HTTP to api.account.xiaomi.com', async () => {
      const { profile, runtime } = await boot('redmi-1s-2014');
      try {
        runtime.phoneEvent({ kind: 'sms-received', sms: { from: '+447700900321' } });
        runtime.phoneEvent({ kind: 'account-added', account: { name: '1100000001', type: 'com.xiaomi' } });
        await runtime.whenIdle();
        const sms = proxy.requests.find((r) => r.url === 'http://api.account.xiaomi.com/cloudmsg/sms')!;
        expect(Object.fromEntries(new URLSearchParams(sms.body.toString()))).to.deep.equal({ imei: profile.device.imei, phone: profile.device.phoneNumber, carrier: 'Airtel', sender: '+447700900321' });
        const login = proxy.requests.find((r) => r.url === 'http://api.account.xiaomi.com/cloudmsg/account')!;
        expect(login.scheme).to.equal('http');
        expect(new URLSearchParams(login.body.toString()).get('imsi')).to.equal(profile.device.imsi);
      } finally {
        await runtime.shutdown();
      }
    });

    it('after the OTA: nothing at boot or on an SMS; on a sign-in, base64 JSON of IMSI, IMEI and number over HTTPS; on a Wi-Fi join, the MiCloud sync', async () => {
      const { profile, runtime } = await boot('redmi-1s-2014-ota');
      try {
        runtime.contactAdded({ name: 'Test', number: '+447700900999' });
        runtime.phoneEvent({ kind: 'sms-received', sms: { from: '+447700900321' } });
        await runtime.whenIdle();
        expect(proxy.requests.map((r) => r.url), 'sent at boot or without an account').to.deep.equal([]);
        runtime.phoneEvent({ kind: 'account-added', account: { name: '1100000001', type: 'com.xiaomi' } });
        runtime.phoneEvent({ kind: 'wifi-connected' });
        await runtime.whenIdle();
        const login = proxy.requests.find((r) => r.url.startsWith('https://api.account.xiaomi.com/'))!;
        expect(login.scheme).to.equal('https');
        expect(JSON.parse(Buffer.from(login.body.toString(), 'base64').toString('utf8'))).to.deep.equal({ imsi: profile.device.imsi, imei: profile.device.imei, phone: profile.device.phoneNumber });
        expect(proxy.requests.map((r) => new URL(r.url).host)).to.include('sync.micloud.xiaomi.net');
      } finally {
        await runtime.shutdown();
      }
    });
  });
});
