import { expect } from 'chai';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';
import { TEST_CA_PEM, phoneWithApps, startApp } from './android-support-apps.js';

const STORE = '/system/etc/security/cacerts';

describe('sim android: SELinux labels (ls -Z, chcon, restorecon) and an app’s trust store', function () {
  this.timeout(20000);

  it('shows file_contexts labels with ls -Z / ls -lZ / ls -dZ, and the Android 14 store’s own label', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const one = (await sh(phone.device, `ls ${STORE}`)).stdout.split('\n')[0]!;
      expect((await sh(phone.device, `ls -Z ${STORE}/${one}`)).stdout).to.equal(`u:object_r:system_file:s0 ${STORE}/${one}\n`);
      expect((await sh(phone.device, `ls -dZ ${STORE}`)).stdout).to.equal(`u:object_r:system_file:s0 ${STORE}\n`);
      expect((await sh(phone.device, `ls -lZ ${STORE}/${one}`)).stdout).to.match(/^-rw-r--r-- +1 root +root +u:object_r:system_file:s0 +\d+ \d{4}-\d\d-\d\d \d\d:\d\d /);
      expect((await sh(phone.device, 'ls -dZ /data/local/tmp')).stdout).to.equal('u:object_r:shell_data_file:s0 /data/local/tmp\n');
      expect((await sh(phone.device, 'ls -dZ /data/misc/user/0/cacerts-added')).stdout).to.equal('u:object_r:misc_user_data_file:s0 /data/misc/user/0/cacerts-added\n');
    } finally {
      await phone.close();
    }
    const android14 = phoneWithApps(loadProfile('aosp-emulator-android14'));
    try {
      expect((await sh(android14.device, 'ls -dZ /apex/com.android.conscrypt/cacerts')).stdout).to.equal('u:object_r:system_security_cacerts_file:s0 /apex/com.android.conscrypt/cacerts\n');
    } finally {
      await android14.close();
    }
  });

  it('gives a tmpfs over the store the tmpfs label; until the folder and its files are relabelled the app reads no system CA (all its TLS fails)', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const pid = await startApp(phone, 'com.mi.globalbrowser');
      const stock = phone.device.caCertificates('system', pid).length;
      await sh(phone.device, 'cat > /data/local/tmp/ours.0', { stdin: Buffer.from(TEST_CA_PEM) });
      const root = (line: string) => sh(phone.device, `su --mount-master -c '${line}'`);
      expect((await root(`mkdir -p /data/local/tmp/copy && cp ${STORE}/* /data/local/tmp/copy/ && mount -t tmpfs tmpfs ${STORE} && cp /data/local/tmp/copy/* /data/local/tmp/ours.0 ${STORE}/`)).code).to.equal(0);
      expect((await sh(phone.device, `ls -dZ ${STORE}`)).stdout).to.equal(`u:object_r:tmpfs:s0 ${STORE}\n`);
      expect((await sh(phone.device, `ls -Z ${STORE}/ours.0`)).stdout).to.equal(`u:object_r:tmpfs:s0 ${STORE}/ours.0\n`);
      expect(phone.device.caCertificates('system', pid)).to.deep.equal([]);
      expect(phone.device.logcat.snapshot().some((e) => /EACCES.*tcontext=u:object_r:tmpfs:s0 tclass=dir/.test(e.message))).to.equal(true);

      // Files only (what the harness did before): the folder still refuses the app.
      expect((await root(`chcon u:object_r:system_file:s0 ${STORE}/*`)).code).to.equal(0);
      expect(phone.device.caCertificates('system', pid)).to.deep.equal([]);
      // The folder too (HTTP Toolkit commit 704d594): the app reads the stock CAs and ours.
      expect((await root(`chcon u:object_r:system_file:s0 ${STORE}`)).code).to.equal(0);
      expect(phone.device.caCertificates('system', pid)).to.have.length(stock + 1);
      // A file with a wrong label is skipped, the others still count.
      expect((await root(`chcon u:object_r:shell_data_file:s0 ${STORE}/ours.0`)).code).to.equal(0);
      expect(phone.device.caCertificates('system', pid)).to.have.length(stock);
      // restorecon gives the path's file_contexts label back.
      expect((await root(`restorecon ${STORE}/ours.0 && ls -Z ${STORE}/ours.0`)).stdout).to.equal(`u:object_r:system_file:s0 ${STORE}/ours.0\n`);
      expect(phone.device.caCertificates('system', pid)).to.have.length(stock + 1);
    } finally {
      await phone.close();
    }
  });

  it('refuses chcon to the shell, a context the policy does not know, and a read-only mount', async () => {
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    try {
      const one = (await sh(phone.device, `ls ${STORE}`)).stdout.split('\n')[0]!;
      expect((await sh(phone.device, 'chcon u:object_r:system_file:s0 /data/local/tmp')).stderr).to.equal("chcon: '/data/local/tmp' to u:object_r:system_file:s0: Operation not permitted\n");
      expect((await sh(phone.device, 'chcon bogus /data/local/tmp', { root: true })).stderr).to.equal("chcon: '/data/local/tmp' to bogus: Invalid argument\n");
      expect((await sh(phone.device, `chcon u:object_r:shell_data_file:s0 ${STORE}/${one}`, { root: true })).stderr).to.contain('Read-only file system');
      // A bind mount shows the source's labels.
      await sh(phone.device, 'mkdir -p /data/local/tmp/b', { root: true });
      expect((await sh(phone.device, `su --mount-master -c 'mount --bind /data/local/tmp/b ${STORE} && ls -dZ ${STORE}'`)).stdout).to.equal(`u:object_r:shell_data_file:s0 ${STORE}\n`);
    } finally {
      await phone.close();
    }
  });
});
