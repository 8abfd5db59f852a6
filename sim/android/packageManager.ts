import type { AppRuntime } from '../services.js';
import type { Profile } from '../profile.js';

export interface PackageRecord {
  name: string;
  version: string;
  versionCode: number;
  apkPath: string;
  uid: number;
  system: boolean;
  minSdk: number;
  targetSdk: number;
  firstInstallTime: number;
  source: 'system' | 'app-runtime' | 'installed';
  permissions: Set<string>;
  /** From the APK's manifest (installed packages). */
  launcherActivity?: string;
}

/** Packages every phone has, so `pm list packages` looks like a phone and not a test fixture. */
function systemPackages(profile: Profile): Array<[string, number]> {
  const list: Array<[string, number]> = [
    ['android', 1000], ['com.android.systemui', 10015], ['com.android.settings', 1000], ['com.android.shell', 2000],
    ['com.android.phone', 1001], ['com.android.providers.contacts', 10012], ['com.android.providers.settings', 1000],
    ['com.android.providers.telephony', 1001], ['com.android.certinstaller', 10020], ['com.android.packageinstaller', 10021],
    ['com.android.inputmethod.latin', 10030], ['com.android.webview', 10040], ['com.android.contacts', 10013],
    ['com.android.mms', 10014], ['com.android.vending', 10050],
  ];
  if (profile.device.miuiVersion) list.push(['com.miui.home', 10060], ['com.miui.securitycenter', 1000], ['com.xiaomi.account', 1000], ['com.miui.analytics', 10070], ['com.miui.msa.global', 10071]);
  return list;
}

/** The package database: system packages, the apps layer's packages, and what `pm install` added. */
export class PackageManager {
  private readonly profile: Profile;
  private readonly system: Map<string, PackageRecord>;
  private readonly installed = new Map<string, PackageRecord>();
  private readonly removed = new Set<string>();
  private readonly permissions = new Map<string, Set<string>>();
  private runtime: AppRuntime | null = null;
  private nextUid = 10200;

  constructor(profile: Profile) {
    this.profile = profile;
    const boot = Math.floor(Date.now() / 1000) - 86400 * 30;
    this.system = new Map(systemPackages(profile).map(([name, uid]) => [name, {
      name, version: profile.device.release, versionCode: profile.device.sdk, apkPath: `/system/app/${name.split('.').pop()}/${name.split('.').pop()}.apk`,
      uid, system: true, minSdk: profile.device.sdk, targetSdk: profile.device.sdk, firstInstallTime: boot, source: 'system' as const, permissions: new Set<string>(),
    }]));
  }

  attach(runtime: AppRuntime): void {
    this.runtime = runtime;
  }

  all(): PackageRecord[] {
    const records = new Map<string, PackageRecord>(this.system);
    for (const p of this.runtime?.packages() ?? []) {
      records.set(p.name, {
        name: p.name, version: p.version, versionCode: p.versionCode, apkPath: p.apkPath, uid: p.uid, system: false,
        minSdk: 21, targetSdk: Math.min(this.profile.device.sdk, 29), firstInstallTime: Math.floor(Date.now() / 1000) - 86400,
        source: 'app-runtime', permissions: this.permissionsOf(p.name),
      });
    }
    for (const [name, record] of this.installed) records.set(name, record);
    for (const name of this.removed) records.delete(name);
    return [...records.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get(name: string): PackageRecord | undefined {
    return this.all().find((p) => p.name === name);
  }

  install(info: { package: string; versionCode: number; versionName: string; launcherActivity?: string }, options: { replace: boolean }): { ok: true } | { ok: false; code: string } {
    const existing = this.get(info.package);
    if (existing && !options.replace) return { ok: false, code: 'INSTALL_FAILED_ALREADY_EXISTS' };
    if (existing && existing.versionCode > info.versionCode) return { ok: false, code: 'INSTALL_FAILED_VERSION_DOWNGRADE' };
    this.removed.delete(info.package);
    this.installed.set(info.package, {
      name: info.package, version: info.versionName, versionCode: info.versionCode,
      apkPath: `/data/app/${info.package}-${Buffer.from(info.package).toString('base64url').slice(0, 22)}==/base.apk`,
      uid: existing?.uid ?? this.nextUid++, system: false, minSdk: 21, targetSdk: this.profile.device.sdk,
      firstInstallTime: existing?.firstInstallTime ?? Math.floor(Date.now() / 1000), source: 'installed', permissions: this.permissionsOf(info.package),
      ...(info.launcherActivity ? { launcherActivity: info.launcherActivity } : {}),
    });
    return { ok: true };
  }

  /** A package installed from an APK (adb install / pm install) and not uninstalled since. */
  installedFromApk(name: string): PackageRecord | undefined {
    return this.removed.has(name) ? undefined : this.installed.get(name);
  }

  /** Returns false for unknown packages; system packages cannot be removed for user 0 here. */
  uninstall(name: string): 'ok' | 'unknown' | 'system' {
    const record = this.get(name);
    if (!record) return 'unknown';
    if (record.system) return 'system';
    this.installed.delete(name);
    this.removed.add(name);
    return 'ok';
  }

  permissionsOf(name: string): Set<string> {
    let set = this.permissions.get(name);
    if (!set) {
      set = new Set();
      this.permissions.set(name, set);
    }
    return set;
  }
}
