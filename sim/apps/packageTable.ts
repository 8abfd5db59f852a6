import crypto from 'node:crypto';
import type { AppProfile } from '../profile.js';
import { launcherPackage } from './launcherScreen.js';

export interface InstalledPackage {
  name: string;
  version: string;
  versionCode: number;
  apkPath: string;
  uid: number;
}

/**
 * Packages the phone itself provides besides the profile's apps: the launcher, and the Appium
 * packages the stock UiAutomator2 driver expects when skipServerInstallation /
 * skipSettingsAppReinstall are set (versions as pinned by appium-uiautomator2-driver 8.7.0).
 */
export const builtinPackages: InstalledPackage[] = [
  { name: launcherPackage, version: 'RELEASE-4.30.0.1918-02171606', versionCode: 43001918, apkPath: '/system/priv-app/MiuiHome/MiuiHome.apk', uid: 10053 },
  // Settings and SystemUI run as system (uid 1000) on Android; their paths on MIUI are unverified.
  { name: 'com.android.settings', version: '10', versionCode: 29, apkPath: '/system/priv-app/Settings/Settings.apk', uid: 1000 },
  { name: 'com.android.systemui', version: '10', versionCode: 29, apkPath: '/system/priv-app/MiuiSystemUI/MiuiSystemUI.apk', uid: 10054 },
  { name: 'io.appium.uiautomator2.server', version: '10.6.6', versionCode: 227, apkPath: apkPath('io.appium.uiautomator2.server'), uid: 10201 },
  { name: 'io.appium.uiautomator2.server.test', version: '10.6.6', versionCode: 227, apkPath: apkPath('io.appium.uiautomator2.server.test'), uid: 10202 },
  { name: 'io.appium.settings', version: '8.0.9', versionCode: 89, apkPath: apkPath('io.appium.settings'), uid: 10203 },
];

export function profilePackage(app: AppProfile, index: number): InstalledPackage {
  const system = (app.kind ?? 'browser') === 'service';
  return {
    name: app.package,
    version: app.version,
    versionCode: app.versionCode ?? 1,
    apkPath: system ? `/system/priv-app/${app.label.replace(/\W+/g, '')}/${app.label.replace(/\W+/g, '')}.apk` : apkPath(app.package),
    uid: 10150 + index,
  };
}

/** Android 10's /data/app/<pkg>-<random base64>==/base.apk, stable per package. */
function apkPath(pkg: string): string {
  const tag = crypto.createHash('sha256').update(pkg).digest('base64url').slice(0, 22);
  return `/data/app/${pkg}-${tag}==/base.apk`;
}
