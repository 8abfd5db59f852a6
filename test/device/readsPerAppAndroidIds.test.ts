import { expect } from 'chai';
import { identifierCanaries } from '../../harness/device/index.js';
import { parseSsaidXml, ssaidPath } from '../../harness/device/ssaid.js';
import { ROOT } from '../../sim/android/fileSystem.js';
import { PhoneLab } from './phoneFixture.js';

const MINT = 'com.mi.globalbrowser.mini';
const PRO = 'com.mi.globalbrowser';

/** settings_ssaid.xml as SettingsProvider writes it on Android 8–11 (one setting per app uid). */
function ssaidXml(entries: Array<{ uid: number; pkg: string; value: string }>): string {
  return [
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
    '<settings version="-1">',
    '  <setting id="0" name="userkey" value="8C9D3F7A1B2E4D5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F" package="android" defaultValue="8C9D3F7A1B2E4D5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F" defaultSysSet="true" tag="null" />',
    ...entries.map((e, i) => `  <setting id="${i + 1}" name="${e.uid}" value="${e.value}" package="${e.pkg}" defaultValue="${e.value}" defaultSysSet="false" tag="null" />`),
    '</settings>',
  ].join('\n');
}

describe('device: ANDROID_ID as each app sees it (per app since Android 8)', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  before(() => lab.start());
  after(() => lab.stop());

  it('with root: each browser\'s own SSAID from settings_ssaid.xml, each a canary, never the shell\'s value', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    // What SettingsProvider would hold once the two browsers asked for ANDROID_ID (test setup).
    phone.android.files.mkdir('/data/system/users/0', ROOT, { parents: true, mode: 0o700 });
    phone.android.files.writeFile(ssaidPath(0), Buffer.from(ssaidXml([
      { uid: 10123, pkg: MINT, value: '3f9a61c2d94b07e1' },
      { uid: 10124, pkg: PRO, value: 'a07c52e9b13d4f60' },
    ])), ROOT, { mode: 0o600 });
    const session = await lab.session(phone, { name: 'note8' });
    const ids = await session.identifiers([MINT, PRO, 'com.android.browser']);
    expect(ids.androidId).to.deep.equal({ value: '3f9a61c2d94b07e1', apps: { [MINT]: '3f9a61c2d94b07e1', [PRO]: 'a07c52e9b13d4f60' } });
    const canaries = identifierCanaries(ids, 'note8').filter((c) => c.kind === 'android-id').map((c) => c.value);
    expect(canaries).to.have.members(['3f9a61c2d94b07e1', 'a07c52e9b13d4f60']);
    expect(canaries).not.to.include(phone.profile.device.androidId);
  });

  it('with root, from the phone\'s own SettingsProvider file: the values the browsers themselves send', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone, { name: 'note8' });
    const ids = await session.identifiers([MINT, PRO]);
    expect(ids.androidId).to.deep.equal({ value: phone.android.appAndroidId(MINT), apps: { [MINT]: phone.android.appAndroidId(MINT), [PRO]: phone.android.appAndroidId(PRO) } });
    expect(Object.values((ids.androidId as { apps: Record<string, string> }).apps)).to.not.include(phone.profile.device.androidId);
  });

  it('with root but no SSAID file readable: unavailable, with the reason', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    // As on a phone whose SettingsProvider has not written it (removed here).
    phone.android.files.remove(ssaidPath(0), ROOT);
    const session = await lab.session(phone);
    const ids = await session.identifiers([MINT]);
    expect(ids.androidId).to.have.property('unavailable').that.matches(/settings_ssaid\.xml could not be read as root/);
  });

  it('without root on Android 8+: "unavailable for apps" with the reason, not the shell\'s value', async () => {
    const phone = await lab.phone('redmi-note-8-retail');
    const session = await lab.session(phone);
    const ids = await session.identifiers([MINT]);
    expect(ids.androidId).to.have.property('unavailable').that.matches(/^unavailable for apps on Android 8\+: .*needs root/);
  });

  it('parses the text form, ignoring the system user key and malformed values', () => {
    const table = parseSsaidXml(ssaidXml([{ uid: 10123, pkg: MINT, value: '3F9A61C2D94B07E1' }, { uid: 10125, pkg: 'x.y', value: 'not-hex' }]));
    expect([...table]).to.deep.equal([[MINT, '3f9a61c2d94b07e1']]);
  });
});
