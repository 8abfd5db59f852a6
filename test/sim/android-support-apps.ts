import { AndroidDevice } from '../../sim/android/index.js';
import { createAppRuntime, type SimAppRuntime } from '../../sim/apps/index.js';
import type { Profile } from '../../sim/profile.js';
import { buildApk } from './adbd-support/apkBuilder.js';
import { sh } from './android-support.js';

/** A real Android model with the real apps layer, for tests that need app processes (pids, namespaces). */
export function phoneWithApps(profile: Profile): { device: AndroidDevice; runtime: SimAppRuntime; close(): Promise<void> } {
  const device = new AndroidDevice(profile);
  const runtime = device.attachApps((ctx) => createAppRuntime(ctx, { netLimits: { connectTimeoutMs: 300, responseTimeoutMs: 1000 } })) as SimAppRuntime;
  return {
    device,
    runtime,
    async close() {
      await runtime.shutdown?.();
      device.shutdown();
    },
  };
}

/** The browsing activity of the shipped browsers: Mint 3.4 is a Chromium fork (sim/EVIDENCE.md, Browsers). */
function launcherActivityOf(pkg: string): string {
  return pkg === 'com.mi.globalbrowser.mini' ? 'com.miui.org.chromium.chrome.browser.ChromeTabbedActivity' : 'com.android.browser.BrowserActivity';
}

/** Starts an app's launcher activity and returns its pid. */
export async function startApp(phone: { runtime: SimAppRuntime }, pkg: string, activity = launcherActivityOf(pkg)): Promise<number> {
  const started = await phone.runtime.startActivity({ package: pkg, activity }, { stopFirst: false });
  if (!started.ok) throw new Error(`could not start ${pkg}: ${started.error}`);
  const pid = phone.runtime.pids().find((p) => p.package === pkg)?.pid;
  if (pid === undefined) throw new Error(`${pkg} has no pid after start`);
  return pid;
}

/** A PEM block the stock store does not have: a marker for "our CA" in store-visibility tests (not parsed as X.509 there). */
export const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUZ3Rlc3RjYXBob25laG9tZXNpbTAKBggqhkjOPQQDAjAW
MRQwEgYDVQQDDAtwaG9uZWhvbWUgQ0EwHhcNMjYwMTAxMDAwMDAwWhcNMzYwMTAx
MDAwMDAwWjAWMRQwEgYDVQQDDAtwaG9uZWhvbWUgQ0EwWTATBgcqhkjOPQIBBggq
-----END CERTIFICATE-----
`;

/** `pm install` (as the shell) of a small real APK for each of the profile's not-preinstalled apps, as a user sets up an emulator. */
export async function installProfileApks(phone: { device: AndroidDevice }): Promise<void> {
  for (const app of phone.device.profile.apps.filter((a) => a.preinstalled === false)) {
    const apk = buildApk(app.package, app.versionCode ?? 1, app.version, 0, { launcherActivity: app.activity });
    const path = `/data/local/tmp/${app.package}.apk`;
    phone.device.writeFile(path, apk, { uid: 2000, gids: [2000] });
    const result = await sh(phone.device, `pm install -r ${path}`);
    if (result.stdout !== 'Success\n') throw new Error(`pm install ${app.package}: ${result.stdout}${result.stderr}`);
  }
}
