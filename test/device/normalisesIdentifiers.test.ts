import { expect } from 'chai';
import { identifierCanaries } from '../../harness/device/index.js';
import { normaliseAndroidId, normaliseImei, normalisePhoneNumber, normaliseSerial, normaliseWifiMac } from '../../harness/device/identifiers.js';
import { countListing, parseBattery, parseDfAvailable, parseProxySetting, parseScreenOn } from '../../harness/device/health.js';
import { parseFocus } from '../../harness/drive/foregroundApp.js';

describe('device: identifier normalisation and health parsing', () => {
  it('normalises identifiers to the form the detector matches, and refuses what is not one', () => {
    expect(normaliseImei('86951 2043871239')).to.deep.equal({ value: '869512043871239' });
    expect(normaliseImei('null')).to.have.property('unavailable');
    expect(normalisePhoneNumber('+44 7700-900 123')).to.deep.equal({ value: '+447700900123' });
    expect(normalisePhoneNumber('Unknown')).to.have.property('unavailable');
    expect(normaliseAndroidId('8F3A61C2D94B07E5\n')).to.deep.equal({ value: '8f3a61c2d94b07e5' });
    expect(normaliseAndroidId('null\n')).to.deep.equal({ unavailable: 'settings secure android_id is not set' });
    expect(normaliseSerial('unknown')).to.have.property('unavailable');
    expect(normaliseWifiMac('4C:49:E3:12:AB:CD\n')).to.deep.equal({ value: '4c:49:e3:12:ab:cd' });
    expect(normaliseWifiMac('3: wlan0: <BROADCAST> mtu 1500\n    link/ether 4c:49:e3:12:ab:cd brd ff:ff:ff:ff:ff:ff')).to.deep.equal({ value: '4c:49:e3:12:ab:cd' });
    expect(normaliseWifiMac('02:00:00:00:00:00')).to.deep.equal({ unavailable: 'the phone hides its Wi-Fi MAC (reports 02:00:00:00:00:00)' });
  });

  it('turns the identifiers read into canaries, leaving out the unavailable ones', () => {
    const canaries = identifierCanaries({ imei: { value: '869512043871239' }, wifiMac: { unavailable: 'no wlan0' }, model: { value: 'Redmi Note 8' } }, 'phone-a');
    expect(canaries).to.deep.equal([
      { kind: 'imei', value: '869512043871239', device: 'phone-a' },
      { kind: 'model', value: 'Redmi Note 8', device: 'phone-a' },
    ]);
  });

  it('parses battery, screen, storage, proxy and focus output', () => {
    expect(parseBattery('Current Battery Service state:\n  AC powered: false\n  USB powered: true\n  status: 2\n  level: 87\n')).to.deep.equal({ level: 87, charging: true });
    expect(parseBattery('nothing')).to.equal(undefined);
    expect(parseScreenOn('  mWakefulness=Asleep\n')).to.equal(false);
    expect(parseScreenOn('Display Power: state=ON')).to.equal(true);
    expect(parseDfAvailable('Filesystem     1K-blocks    Used Available Use% Mounted on\n/dev/block/dm-5 52428800 1000 524288 2% /data\n')).to.equal(524288 * 1024);
    expect(parseDfAvailable('Filesystem Size Used Free Blksize\n/data 50G 1G 4.5G 4096\n')).to.equal(undefined);
    expect(parseProxySetting('null\n')).to.equal(null);
    expect(parseProxySetting(':0')).to.equal(null);
    expect(parseProxySetting('127.0.0.1:8080\n')).to.equal('127.0.0.1:8080');
    expect(parseFocus('  mCurrentFocus=Window{3b2 u0 com.mi.globalbrowser/com.android.browser.BrowserActivity}\n')).to.deep.equal({ package: 'com.mi.globalbrowser', activity: 'com.android.browser.BrowserActivity' });
    expect(parseFocus('  mCurrentFocus=null\n')).to.equal(null);
    expect(countListing('7df61506.0\nc90bc37d.0\n')).to.equal(2);
    expect(countListing('')).to.equal(0);
    expect(countListing('ls: /data/misc/user/0/cacerts-added: Permission denied')).to.equal(null);
  });
});
