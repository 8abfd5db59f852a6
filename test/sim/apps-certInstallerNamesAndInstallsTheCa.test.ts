import { expect } from 'chai';
import { ROOT } from '../../sim/android/index.js';
import { systemCaRoots } from '../../sim/android/systemCaStore.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { Profile } from '../../sim/profile.js';
import type { UiNode } from '../../sim/ui.js';
import { sh } from './android-support.js';
import { phoneWithApps } from './android-support-apps.js';

/** A real CA (one of the system store's roots, Debian's ca-certificates). */
const CA_PEM = systemCaRoots()[0]!.pem.toString('utf8');
/** Its name as Android gives it: the user store names a CA by subject_hash_old too, `.0` for the first. */
const CA_FILE = `${systemCaRoots()[0]!.name.split('.')[0]}.0`;
const START = 'am start --user 0 -n com.android.certinstaller/.CertInstallerMain -a android.intent.action.VIEW -t application/x-x509-ca-cert -d file:///sdcard/Download/phonehome-ca.crt';

function byId(node: UiNode, id: string): UiNode | undefined {
  if (node.resourceId === id) return node;
  for (const child of node.children) {
    const found = byId(child, id);
    if (found) return found;
  }
  return undefined;
}

function phone(name: string, tweak?: (p: Profile) => void) {
  const profile = loadProfile(name);
  tweak?.(profile);
  const p = phoneWithApps(profile);
  p.device.writeFile('/sdcard/Download/phonehome-ca.crt', Buffer.from(CA_PEM), ROOT);
  return p;
}

describe('sim: the certificate installer names and installs a CA for the user on screen (Android 10), and refuses on 11+', () => {

  it('Android 10: "Name the certificate"; OK without a name says "Type a name."; with one the CA lands in /data/misc/user/0 as system, labelled for apps', async () => {
    const p = phone('retail-miui-android10');
    try {
      const started = await sh(p.device, START);
      expect(started.stdout + started.stderr).not.to.match(/Error|Exception/);
      expect((await sh(p.device, 'dumpsys window windows')).stdout).to.include('com.android.certinstaller/com.android.certinstaller.CertInstaller');
      let root = p.runtime.ui.hierarchy();
      expect(byId(root, 'android:id/alertTitle')?.text).to.equal('Name the certificate');
      expect(byId(root, 'com.android.certinstaller:id/credential_info')?.text).to.equal('one CA certificate');
      await p.runtime.ui.click(byId(root, 'android:id/button1')!.key);
      root = p.runtime.ui.hierarchy();
      expect(byId(root, 'com.android.certinstaller:id/error')?.text).to.equal('Type a name.');
      expect((await sh(p.device, 'ls /data/misc/user/0/cacerts-added', { root: true })).stdout).to.equal('');
      await p.runtime.ui.setText(byId(root, 'com.android.certinstaller:id/credential_name')!.key, 'phonehome', { replace: true });
      await p.runtime.ui.click(byId(p.runtime.ui.hierarchy(), 'android:id/button1')!.key);
      expect(byId(p.runtime.ui.hierarchy(), 'com.android.certinstaller:id/credential_name')).to.equal(undefined);
      const listing = (await sh(p.device, `ls -lZ /data/misc/user/0/cacerts-added/${CA_FILE}`, { root: true })).stdout;
      expect(listing).to.match(/-rw-r--r-- .*system +system .*u:object_r:misc_user_data_file:s0/);
      expect(p.device.caCertificates('user').join('')).to.include(CA_PEM.trim().split('\n')[1]);
      expect((await sh(p.device, 'logcat -d -s Toast')).stdout).to.include('phonehome is installed.');
    } finally {
      await p.close();
    }
  });

  it('Second space (user 10): the CA goes into user 10\'s folder, which the installer creates; user 0 gets nothing', async () => {
    const p = phone('retail-miui-android10', (pr) => { pr.device.currentUser = 10; });
    try {
      await sh(p.device, START.replace('--user 0', '--user 10'));
      const root = p.runtime.ui.hierarchy();
      await p.runtime.ui.setText(byId(root, 'com.android.certinstaller:id/credential_name')!.key, 'phonehome', { replace: true });
      await p.runtime.ui.click(byId(root, 'android:id/button1')!.key);
      expect((await sh(p.device, 'ls /data/misc/user/10/cacerts-added', { root: true })).stdout.trim()).to.equal(CA_FILE);
      expect((await sh(p.device, 'ls /data/misc/user/0/cacerts-added', { root: true })).stdout).to.equal('');
    } finally {
      await p.close();
    }
  });

  it('Cancel (or Back) installs nothing; the unexported CertInstaller activity cannot be started from the shell', async () => {
    const p = phone('retail-miui-android10');
    try {
      await sh(p.device, START);
      await p.runtime.ui.pressKey(4);
      expect(p.runtime.focus()?.package).not.to.equal('com.android.certinstaller');
      expect((await sh(p.device, 'logcat -d -s Toast')).stdout).to.include('The certificate is not installed.');
      const direct = await sh(p.device, 'am start -n com.android.certinstaller/.CertInstaller');
      expect(direct.stderr).to.match(/SecurityException: Permission Denial: .*not exported from uid 1000/);
      expect((await sh(p.device, 'ls /data/misc/user/0/cacerts-added', { root: true })).stdout).to.equal('');
    } finally {
      await p.close();
    }
  });

  it('Android 11+: no name dialog; the installer refuses CA certificates (they go through Settings)', async () => {
    const p = phone('aosp-emulator-android11');
    try {
      await sh(p.device, START);
      const root = p.runtime.ui.hierarchy();
      expect(byId(root, 'com.android.certinstaller:id/credential_name')).to.equal(undefined);
      expect(byId(root, 'android:id/alertTitle')?.text).to.equal("Can't install CA certificates");
      await p.runtime.ui.click(byId(root, 'android:id/button1')!.key);
      expect((await sh(p.device, 'ls /data/misc/user/0/cacerts-added', { root: true })).stdout).to.equal('');
    } finally {
      await p.close();
    }
  });
});
