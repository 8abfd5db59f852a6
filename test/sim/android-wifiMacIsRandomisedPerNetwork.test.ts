import { expect } from 'chai';
import { AndroidDevice } from '../../sim/android/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';

describe('sim android: Wi-Fi MAC randomisation (Android 10+: the network sees a per-network random MAC, never the factory one)', function () {
  this.timeout(30_000);

  it('Android 10: wlan0 carries a locally administered unicast MAC, not the factory one; sysfs and dumpsys wifi agree', async () => {
    const device = new AndroidDevice(loadProfile('redmi-note-8-2020'));
    try {
      const factory = device.profile.device.wifiMac.toLowerCase();
      const mac = (await sh(device, 'cat /sys/class/net/wlan0/address')).stdout.trim();
      expect(mac).to.match(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(mac).to.not.equal(factory);
      const first = Number.parseInt(mac.slice(0, 2), 16);
      expect(first & 0x02, 'locally administered').to.equal(0x02);
      expect(first & 0x01, 'unicast').to.equal(0);
      expect((await sh(device, 'cat /sys/class/net/wlan0/addr_assign_type')).stdout).to.equal('3\n');
      const wifi = (await sh(device, 'dumpsys wifi')).stdout;
      expect(wifi).to.contain('\n macRandomizationSetting: 1\n');
      expect(wifi).to.contain(`\n mRandomizedMacAddress: ${mac}\n`);
      expect(wifi, 'the factory MAC is not shown').to.not.contain(factory);
      // Stable for the phone: the same network keeps its MAC (RANDOMIZATION_PERSISTENT).
      expect((await sh(device, 'cat /sys/class/net/wlan0/address')).stdout.trim()).to.equal(mac);
    } finally {
      device.shutdown();
    }
  });

  it('another phone on its network gets another randomised MAC', async () => {
    const a = new AndroidDevice(loadProfile('redmi-note-8-2020'));
    const b = new AndroidDevice(loadProfile('mi-10-2020'));
    try {
      const [ma, mb] = await Promise.all([a, b].map(async (d) => (await sh(d, 'cat /sys/class/net/wlan0/address')).stdout));
      expect(ma).to.not.equal(mb);
    } finally {
      a.shutdown();
      b.shutdown();
    }
  });

  it('before Android 10 wlan0 keeps the factory MAC (addr_assign_type 0, macRandomizationSetting 0)', async () => {
    const device = new AndroidDevice(loadProfile('redmi-1s-2014'));
    try {
      expect((await sh(device, 'cat /sys/class/net/wlan0/address')).stdout).to.equal(device.profile.device.wifiMac.toLowerCase() + '\n');
      expect((await sh(device, 'cat /sys/class/net/wlan0/addr_assign_type')).stdout).to.equal('0\n');
      expect((await sh(device, 'dumpsys wifi')).stdout).to.contain('\n macRandomizationSetting: 0\n');
    } finally {
      device.shutdown();
    }
  });
});
