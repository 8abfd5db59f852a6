import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AjvModule from 'ajv';
import { expect } from 'chai';
import { PhonehomeError } from '../../harness/errors.js';
import { listProfiles, loadProfile, profilesDir } from '../../sim/profiles/index.js';
import type { Profile } from '../../sim/profile.js';

const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };

describe('sim/profiles: shipped profiles', () => {
  const shipped = listProfiles();

  it('ships the five profiles of the issue plus the unrooted retail Redmi Note 8', () => {
    expect(shipped).to.include.members(['redmi-note-8-2020', 'redmi-note-8-2020-updated', 'redmi-1s-2014', 'clean-control', 'rooted-emulator', 'redmi-note-8-retail']);
  });

  it('every shipped file validates against profile.schema.json (checked by ajv directly) and loads', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(profilesDir, 'profile.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const name of shipped) {
      const data = JSON.parse(fs.readFileSync(path.join(profilesDir, `${name}.json`), 'utf8')) as unknown;
      expect(validate(data), `${name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
      const profile = loadProfile(name);
      expect(profile.name).to.equal(name);
    }
  });

  it('uses the published package names, versions and hosts exactly', () => {
    const note8 = loadProfile('redmi-note-8-2020');
    const pkgs = Object.fromEntries(note8.apps.map((a) => [a.package, a]));
    expect(pkgs['com.mi.globalbrowser.mini']!.version).to.equal('3.4.0');
    expect(pkgs['com.mi.globalbrowser']!.label).to.equal('Mi Browser Pro');
    const mint = pkgs['com.mi.globalbrowser.mini']!;
    expect(mint.telemetry.some((r) => r.url === 'https://sa.api.intl.miui.com/sa?project=global_browser_mini&r=${device.miuiRegion}')).to.equal(true);
    expect(mint.userAgent).to.equal('Mozilla/5.0 (Linux; U; Android 10; en-us; Redmi Note 8 Build/QKQ1.200114.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/71.0.3578.141 Mobile Safari/537.36 XiaoMi/MintBrowser/3.4.0');
    const updated = loadProfile('redmi-note-8-2020-updated');
    const versions = Object.fromEntries(updated.apps.map((a) => [a.package, a.version]));
    expect(versions).to.include({ 'com.mi.globalbrowser': '12.1.4', 'com.mi.globalbrowser.mini': '3.4.3' });
    // The browsers got the switch; MIUI's own analytics service (kind service) has no incognito mode.
    for (const app of updated.apps.filter((a) => (a.kind ?? 'browser') === 'browser')) {
      expect(app.incognitoDataSwitch).to.deep.include({ label: 'Enhanced Incognito Mode', defaultOn: true });
      // Every rule that can fire in incognito is silenced by the switch; the rest fire in normal mode only.
      expect(app.telemetry.every((r) => r.silencedBySwitch === true || (r.modes?.length === 1 && r.modes[0] === 'normal'))).to.equal(true);
      // The update did not change what the address bar sends while typing: the 2020 browser's suggestion rule, normal mode only.
      const before = loadProfile('redmi-note-8-2020').apps.find((a) => a.package === app.package)!;
      expect(app.telemetry.filter((r) => r.when === 'input'), app.package).to.deep.equal(before.telemetry.filter((r) => r.when === 'input'));
      expect(app.telemetry.filter((r) => r.when === 'input').map((r) => r.modes), app.package).to.deep.equal([['normal']]);
    }
    // 2014: the service framework's reports go to the published host over plain HTTP before the OTA,
    // HTTPS after it; MiCloud's host is a stated choice (not published), on Xiaomi's domain.
    const origins = (name: string, pkg: string) => loadProfile(name).apps.filter((a) => a.package === pkg).flatMap((a) => a.telemetry.map((r) => new URL(r.url).origin));
    expect(new Set(origins('redmi-1s-2014', 'com.xiaomi.xmsf'))).to.deep.equal(new Set(['http://api.account.xiaomi.com']));
    expect(new Set(origins('redmi-1s-2014-ota', 'com.xiaomi.xmsf'))).to.deep.equal(new Set(['https://api.account.xiaomi.com']));
    for (const name of ['redmi-1s-2014', 'redmi-1s-2014-ota']) expect(origins(name, 'com.miui.cloudservice').every((o) => o.endsWith('.xiaomi.net'))).to.equal(true);
  });

  it('decides rootability so the main phone is capturable and a retail phone shows the user-CA blind spot', () => {
    expect(loadProfile('redmi-note-8-2020').device.rootable).to.equal(true);
    expect(loadProfile('rooted-emulator').device).to.include({ rootable: true, buildType: 'userdebug' });
    const retail = loadProfile('redmi-note-8-retail');
    expect(retail.device).to.include({ rootable: false, buildType: 'user' });
    for (const app of retail.apps) {
      expect(app.trustsUserCAs, app.package).to.equal(true);
      expect(app.telemetry.length).to.be.greaterThan(0);
      expect(app.telemetry.every((r) => r.trustsUserCAs === false)).to.equal(true);
    }
  });

  it('says in every shipped profile which real-phone mode it is, and ships the four modes', () => {
    const modes = shipped.map((name) => [name, loadProfile(name).mode] as const);
    for (const [name, mode] of modes) expect(mode, name).to.be.oneOf(['retail-miui', 'magisk-rooted', 'aosp-emulator', 'android-14', 'legacy']);
    expect(new Set(modes.map(([, m]) => m))).to.include.members(['retail-miui', 'magisk-rooted', 'aosp-emulator', 'android-14']);
    expect(loadProfile('retail-miui-android10').device.developerOptions).to.deep.equal({ usbDebuggingSecuritySettings: false, installViaUsb: false });
  });

  it('states every unpublished detail as a choice in the description', () => {
    for (const name of shipped) {
      const d = loadProfile(name).description;
      if (name === 'clean-control') expect(d).to.match(/not a published build/i);
      else expect(d, name).to.match(/not published/i);
    }
    expect(loadProfile('redmi-note-8-2020').description).to.match(/MiStatistics.*data\.mistat\.intl\.xiaomi\.com/s);
  });
});

describe('sim/profiles: a broken profile names the file and the field', () => {
  let dir: string;
  let base: Profile;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-profiles-'));
    base = loadProfile('redmi-note-8-2020');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function broken(name: string, edit: (p: Profile & Record<string, unknown>) => void): string {
    const copy = structuredClone(base) as Profile & Record<string, unknown>;
    edit(copy);
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(copy, null, 2));
    return file;
  }

  function errorOf(fn: () => unknown): PhonehomeError {
    try {
      fn();
    } catch (error) {
      expect(error).to.be.instanceOf(PhonehomeError);
      expect((error as PhonehomeError).exitCode).to.equal(2);
      expect((error as Error).message).not.to.contain('\n');
      return error as PhonehomeError;
    }
    throw new Error('expected a PhonehomeError');
  }

  const cases: Array<{ what: string; edit: (p: Profile & Record<string, unknown>) => void; message: RegExp }> = [
    { what: 'an unknown field', edit: (p) => ((p.device as unknown as Record<string, unknown>).imeii = '1'), message: /\/device\/imeii: unknown field 'imeii'/ },
    { what: 'a missing field', edit: (p) => delete (p.device as Partial<Profile['device']>).imei, message: /\/device: missing required field 'imei'/ },
    { what: 'a wrong trigger', edit: (p) => ((p.apps[0]!.telemetry[0] as unknown as Record<string, unknown>).when = 'onLaunch'), message: /\/apps\/0\/telemetry\/0\/when: must be one of "launch", "navigate"/ },
    { what: 'a malformed IMEI', edit: (p) => (p.device.imei = '12345'), message: /\/device\/imei: value does not have the expected form/ },
    { what: 'an unknown encode step', edit: (p) => ((p.apps[1]!.telemetry[2]!.encode as unknown[])[1] = 'zip'), message: /\/apps\/1\/telemetry\/2\/encode\/1/ },
    { what: 'a placement without its name', edit: (p) => (p.apps[0]!.telemetry[2]!.placement = { in: 'form-field' } as never), message: /\/apps\/0\/telemetry\/2\/placement: missing required field 'name'/ },
    { what: 'an unknown placeholder', edit: (p) => ((p.apps[0]!.telemetry[2]!.fields as Record<string, unknown>).x = '${device.imeii}'), message: /\/apps\/0\/telemetry\/2\/fields\/x: unknown placeholder \$\{device\.imeii\}/ },
    { what: 'a placeholder the trigger does not provide', edit: (p) => ((p.apps[0]!.telemetry[0]!.fields as Record<string, unknown>).x = '${visit.url}'), message: /telemetry\/0\/fields\/x: \$\{visit\.url\} is only available to rules with when: navigate or search/ },
    { what: 'an impossible encode chain', edit: (p) => (p.apps[0]!.telemetry[0]!.encode = ['gzip']), message: /telemetry\/0\/encode: encode\[0\] 'gzip' cannot take the fields object/ },
    { what: 'a rule silenced by a switch the app lacks', edit: (p) => (p.apps[0]!.telemetry[0]!.silencedBySwitch = true), message: /telemetry\/0\/silencedBySwitch: the app com\.android\.browser 12\.1\.3 has no incognitoDataSwitch/ },
    { what: 'an interval rule without intervalMs', edit: (p) => (p.apps[0]!.telemetry[0]!.when = 'interval'), message: /intervalMs: rules with when: 'interval' need intervalMs/ },
    { what: 'rules sharing a queue that disagree', edit: (p) => (p.apps[0]!.telemetry[1]!.url = 'https://other.example/sa'), message: /telemetry\/1\/batch\/queue: shares queue 'sensors'/ },
    { what: 'a duplicate package', edit: (p) => (p.apps[1]!.package = p.apps[0]!.package), message: /\/apps\/1\/package: duplicate package 'com\.android\.browser'/ },
    { what: 'a package the phone provides itself', edit: (p) => (p.apps[0]!.package = 'io.appium.settings'), message: /\/apps\/0\/package: 'io\.appium\.settings' is provided by the simulated phone/ },
  ];
  for (const c of cases) {
    it(`${c.what}`, () => {
      const file = broken(c.what.replace(/\W+/g, '-'), c.edit);
      const error = errorOf(() => loadProfile(file));
      expect(error.message.startsWith(`${file}: `), error.message).to.equal(true);
      expect(error.message).to.match(c.message);
    });
  }

  it('invalid JSON: file, line and column', () => {
    const file = path.join(dir, 'syntax.json');
    fs.writeFileSync(file, '{\n  "name": "x",\n  "device": {,\n}');
    expect(errorOf(() => loadProfile(file)).message).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: .* at line 3 column \\d+`));
  });

  it('unknown names list the shipped profiles; missing files and oversized files are refused', () => {
    expect(errorOf(() => loadProfile('redmi-note-9')).message).to.match(/unknown profile 'redmi-note-9' \(shipped: .*redmi-note-8-2020.*; or pass a path/);
    expect(errorOf(() => loadProfile(path.join(dir, 'nope.json'))).message).to.match(/nope\.json does not exist/);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, ' '.repeat(1024 * 1024 + 1));
    expect(errorOf(() => loadProfile(big)).message).to.match(/over the 1048576-byte limit/);
  });
});
