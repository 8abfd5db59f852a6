import { expect } from 'chai';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';
import { TEST_CA_PEM, phoneWithApps, startApp } from './android-support-apps.js';

const STORE = '/system/etc/security/cacerts';
// What HTTP Toolkit's script does (adb-commands.ts): a tmpfs over the store holding the stock CAs plus ours, labelled like the stock store.
const INJECT = [
  'mkdir -p /data/local/tmp/ca-copy', `cp ${STORE}/* /data/local/tmp/ca-copy/`, `mount -t tmpfs tmpfs ${STORE}`,
  `cp /data/local/tmp/ca-copy/* ${STORE}/`, `cp /data/local/tmp/ours.0 ${STORE}/ours.0`,
  `chcon u:object_r:system_file:s0 ${STORE}`, `chcon u:object_r:system_file:s0 ${STORE}/*`,
].join(' && ');

describe('sim android: Magisk su runs in its own mount namespace unless --mount-master', function () {
  this.timeout(20000);

  it('reports MAGISKSU and its version code, and takes -c with the rest of the words', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      expect((await sh(phone.device, 'su -v')).stdout).to.equal('26.4:MAGISKSU\n');
      expect((await sh(phone.device, 'su -V')).stdout).to.equal('26400\n');
      expect((await sh(phone.device, 'su -c id -u')).stdout).to.equal('0\n');
      expect((await sh(phone.device, "su -c 'id -un'")).stdout).to.equal('root\n');
      expect((await sh(phone.device, 'su --mount-master -c id -u')).stdout).to.equal('0\n');
      expect((await sh(phone.device, 'su -bogus')).code).to.equal(2);
    } finally {
      await phone.close();
    }
  });

  it('hides a mount made in a plain `su -c` from apps and from a later adb shell, while the session itself sees it', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const pid = await startApp(phone, 'com.mi.globalbrowser');
      const stock = phone.device.caCertificates('system', pid).length;
      expect(stock).to.be.greaterThan(0);
      expect((await sh(phone.device, `cat > /data/local/tmp/ours.0`, { stdin: Buffer.from(TEST_CA_PEM) })).code).to.equal(0);
      const inside = await sh(phone.device, `su -c '${INJECT} && ls ${STORE}/ours.0 && grep -c " ${STORE} " /proc/mounts'`);
      expect(inside.code, inside.stderr).to.equal(0);
      expect(inside.stdout).to.equal(`${STORE}/ours.0\n1\n`);
      // The session's namespace is gone with it: the shell, a new su session and the app see the stock store.
      expect((await sh(phone.device, `ls ${STORE}/ours.0`)).stderr).to.contain('No such file or directory');
      expect((await sh(phone.device, `grep -c ' ${STORE} ' /proc/mounts`)).stdout).to.equal('0\n');
      expect((await sh(phone.device, `su -c 'ls ${STORE}/ours.0'`)).code).to.equal(1);
      expect(phone.device.caCertificates('system', pid)).to.have.length(stock);
      const later = await startApp(phone, 'com.mi.globalbrowser.mini');
      expect(phone.device.caCertificates('system', later)).to.have.length(stock);
    } finally {
      await phone.close();
    }
  });

  it('shows a `su --mount-master -c` mount to the adb shell and to running and new apps (Android 10: init mounts propagate)', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const running = await startApp(phone, 'com.mi.globalbrowser');
      const stock = phone.device.caCertificates('system', running).length;
      await sh(phone.device, `cat > /data/local/tmp/ours.0`, { stdin: Buffer.from(TEST_CA_PEM) });
      const result = await sh(phone.device, `su --mount-master -c '${INJECT}'`);
      expect(result.code, result.stderr).to.equal(0);
      expect((await sh(phone.device, `ls ${STORE}/ours.0`)).stdout).to.equal(`${STORE}/ours.0\n`);
      expect(phone.device.caCertificates('system', running)).to.have.length(stock + 1);
      const later = await startApp(phone, 'com.mi.globalbrowser.mini');
      expect(phone.device.caCertificates('system', later)).to.have.length(stock + 1);
    } finally {
      await phone.close();
    }
  });

  it('runs every session in the global namespace when Magisk’s Mount Namespace Mode is Global', async () => {
    const profile = loadProfile('redmi-note-8-2020');
    const phone = phoneWithApps({ ...profile, device: { ...profile.device, magisk: { mountNamespaceMode: 'global' } } });
    try {
      const pid = await startApp(phone, 'com.mi.globalbrowser');
      const stock = phone.device.caCertificates('system', pid).length;
      await sh(phone.device, `cat > /data/local/tmp/ours.0`, { stdin: Buffer.from(TEST_CA_PEM) });
      expect((await sh(phone.device, `su -c '${INJECT}'`)).code).to.equal(0);
      expect(phone.device.caCertificates('system', pid)).to.have.length(stock + 1);
    } finally {
      await phone.close();
    }
  });
});
