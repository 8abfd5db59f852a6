import { expect } from 'chai';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';
import { TEST_CA_PEM, installProfileApks, phoneWithApps, startApp } from './android-support-apps.js';

const APEX = '/apex/com.android.conscrypt/cacerts';
// HTTP Toolkit's Android 14 recipe (adb-commands.ts): a labelled tmpfs copy of the APEX store plus ours, then bind mounts.
const PREPARE = [
  'mkdir -p /data/local/tmp/htk-ca', 'mount -t tmpfs tmpfs /data/local/tmp/htk-ca', `cp ${APEX}/* /data/local/tmp/htk-ca/`,
  'cp /data/local/tmp/ours.0 /data/local/tmp/htk-ca/ours.0',
  'chcon u:object_r:system_security_cacerts_file:s0 /data/local/tmp/htk-ca /data/local/tmp/htk-ca/*',
].join(' && ');
const BIND = `mount --bind /data/local/tmp/htk-ca ${APEX}`;

describe('sim android 14: the Conscrypt APEX store and per-app mount namespaces forked from zygote', function () {
  this.timeout(20000);

  it('lists zygote and zygote64 and app processes as Android prints them, with /proc/PID/ns/mnt for root only', async () => {
    const phone = phoneWithApps(loadProfile('aosp-emulator-android14'));
    try {
      await installProfileApks(phone);
      const pid = await startApp(phone, 'com.mi.globalbrowser');
      const ps = (await sh(phone.device, 'ps -A')).stdout;
      expect(ps).to.match(/^root\s+700\s+1\s.* zygote64$/m);
      expect(ps).to.match(/^root\s+701\s+1\s.* zygote$/m);
      expect(ps).to.match(new RegExp(`^u0_a\\d+\\s+${pid}\\s+700\\s.* com\\.mi\\.globalbrowser$`, 'm'));
      expect((await sh(phone.device, 'pidof zygote64 zygote')).stdout).to.equal('700 701\n');
      expect((await sh(phone.device, `ls /proc/${pid}/ns/mnt`, { root: true })).code).to.equal(0);
      const denied = await sh(phone.device, `nsenter --mount=/proc/${pid}/ns/mnt -- ls ${APEX}`);
      expect(denied.code).to.equal(1);
      expect(denied.stderr).to.equal(`nsenter: /proc/${pid}/ns/mnt: Permission denied\n`);
      expect((await sh(phone.device, 'nsenter --mount=/proc/99999/ns/mnt -- id', { root: true })).stderr).to.contain('No such file or directory');
    } finally {
      await phone.close();
    }
  });

  it('reaches only apps started after a bind mount into zygote’s namespace; a running app keeps the old store until its own namespace gets the mount', async () => {
    const phone = phoneWithApps(loadProfile('aosp-emulator-android14'));
    try {
      await installProfileApks(phone);
      const early = await startApp(phone, 'com.mi.globalbrowser');
      const stock = phone.device.caCertificates('system', early).length;
      expect(stock).to.be.greaterThan(0);
      await sh(phone.device, 'cat > /data/local/tmp/ours.0', { stdin: Buffer.from(TEST_CA_PEM) });
      const prepared = await sh(phone.device, PREPARE, { root: true });
      expect(prepared.code, prepared.stderr).to.equal(0);

      // In the shell's (init's) namespace only: /apex mounts do not propagate, not even to new apps.
      expect((await sh(phone.device, BIND, { root: true })).code).to.equal(0);
      expect((await sh(phone.device, `ls ${APEX}/ours.0`, { root: true })).stdout).to.equal(`${APEX}/ours.0\n`);
      expect(phone.device.caCertificates('system', early)).to.have.length(stock);

      // Into zygote64's namespace: apps forked afterwards get it, the running one does not.
      const zygote = await sh(phone.device, `nsenter --mount=/proc/700/ns/mnt -- /bin/mount --bind /data/local/tmp/htk-ca ${APEX}`, { root: true });
      expect(zygote.code, zygote.stderr).to.equal(0);
      expect(phone.device.caCertificates('system', early)).to.have.length(stock);
      const late = await startApp(phone, 'com.mi.globalbrowser.mini');
      expect(phone.device.caCertificates('system', late)).to.have.length(stock + 1);
      expect((await sh(phone.device, `nsenter --mount=/proc/${late}/ns/mnt -- ls ${APEX}/ours.0`, { root: true })).code).to.equal(0);

      // Into the running app's own namespace, as HTTP Toolkit does for every zygote child.
      expect((await sh(phone.device, `nsenter -t ${early} -m -- mount --bind /data/local/tmp/htk-ca ${APEX}`, { root: true })).code).to.equal(0);
      expect(phone.device.caCertificates('system', early)).to.have.length(stock + 1);

      // A restarted app forks zygote64's namespace again (which has the mount).
      phone.runtime.forceStop('com.mi.globalbrowser');
      const again = await startApp(phone, 'com.mi.globalbrowser');
      expect(phone.device.caCertificates('system', again)).to.have.length(stock + 1);
    } finally {
      await phone.close();
    }
  });

  it('ignores /system/etc/security/cacerts on Android 14: a tmpfs there changes nothing for apps', async () => {
    const phone = phoneWithApps(loadProfile('aosp-emulator-android14'));
    try {
      await installProfileApks(phone);
      const stock = phone.device.caCertificates('system', await startApp(phone, 'com.mi.globalbrowser')).length;
      expect((await sh(phone.device, 'mount -t tmpfs tmpfs /system/etc/security/cacerts', { root: true })).code).to.equal(0);
      const late = await startApp(phone, 'com.mi.globalbrowser.mini');
      expect(phone.device.caCertificates('system', late)).to.have.length(stock);
    } finally {
      await phone.close();
    }
  });
});
