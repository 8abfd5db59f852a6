import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import type { AdbDevice } from './adbDevice.js';
import { installFix, isXiaomi } from './phoneFixes.js';

/** What the UiAutomator2 driver needs on the phone: its server, the server's test runner, Appium Settings. */
export const APPIUM_PACKAGES = ['io.appium.uiautomator2.server', 'io.appium.uiautomator2.server.test', 'io.appium.settings'] as const;

export interface AppiumApk {
  package: (typeof APPIUM_PACKAGES)[number];
  file: string;
}

/**
 * The APKs shipped in node_modules by the pinned driver: appium-uiautomator2-server's `apks/`
 * (server and `-androidTest` runner) and io.appium.settings' `apks/settings_apk-debug.apk`, the
 * files the driver itself installs (appium-uiautomator2-driver's uiautomator2 server install).
 */
export function findAppiumApks(from: string = import.meta.url): AppiumApk[] {
  const require = createRequire(from);
  let driverDir: string;
  try {
    driverDir = path.dirname(require.resolve('appium-uiautomator2-driver/package.json'));
  } catch {
    throw new PhonehomeError(`appium-uiautomator2-driver is not installed here; run 'npm ci' in the phonehome checkout`);
  }
  const fromDriver = createRequire(path.join(driverDir, 'package.json'));
  const dirOf = (pkg: string) => {
    try {
      return path.join(path.dirname(fromDriver.resolve(`${pkg}/package.json`)), 'apks');
    } catch {
      throw new PhonehomeError(`${pkg} (a dependency of appium-uiautomator2-driver) is not installed; run 'npm ci' in the phonehome checkout`);
    }
  };
  const serverDir = dirOf('appium-uiautomator2-server');
  const settingsDir = dirOf('io.appium.settings');
  const serverFiles = existsSync(serverDir) ? readdirSync(serverDir) : [];
  const server = serverFiles.find((f) => /^appium-uiautomator2-server-v[\d.]+\.apk$/.test(f));
  const test = serverFiles.find((f) => /androidTest\.apk$/.test(f));
  const settings = path.join(settingsDir, 'settings_apk-debug.apk');
  if (!server || !test || !existsSync(settings)) {
    throw new PhonehomeError(`the Appium APKs are missing from node_modules (looked in ${serverDir} and ${settingsDir}); run 'npm ci' in the phonehome checkout`);
  }
  return [
    { package: 'io.appium.uiautomator2.server', file: path.join(serverDir, server) },
    { package: 'io.appium.uiautomator2.server.test', file: path.join(serverDir, test) },
    { package: 'io.appium.settings', file: settings },
  ];
}

/** What MIUI shows while the doctor installs, so the user knows what to tap (appium/appium#10761, #15796; io.appium.settings#254). */
export const MIUI_INSTALL_PROMPTS = [
  'Keep the phone unlocked: MIUI shows "Install via USB" for each APK; tap Install within about 10 s, or the install fails with INSTALL_FAILED_USER_RESTRICTED.',
  'If no prompt appears and the install fails, turn on Developer options › Install via USB (needs a Mi account) and USB debugging (Security settings), re-plug, and run doctor again.',
  'After installing: Settings › Apps › Appium Settings › Battery saver › No restrictions, or MIUI stops it and sessions fail with "Appium Settings app is not running".',
];

export interface ApkInstallResult {
  package: string;
  file: string;
  ok: boolean;
  /** One line: installed, or the refusal and its fix. */
  detail: string;
}

/** Installs the Appium APKs (`adb install -r -g`), each independently; a refusal names its fix. */
export async function installAppiumApks(device: AdbDevice, apks: AppiumApk[], props: Record<string, string>): Promise<ApkInstallResult[]> {
  const results: ApkInstallResult[] = [];
  for (const apk of apks) {
    try {
      try {
        await device.install([apk.file]);
      } catch (error) {
        // A newer build on the phone: the driver would uninstall and reinstall it at the session
        // (appium-uiautomator2-driver build/lib/uiautomator2-server/core.js shouldUninstallServerPackages),
        // prompting again on MIUI; do it here, once.
        if (!/INSTALL_FAILED_VERSION_DOWNGRADE/.test((error as Error).message)) throw error;
        const removed = await device.shell(`pm uninstall ${apk.package}`);
        if (!/Success/.test(removed)) throw new PhonehomeError(`a newer ${apk.package} is installed and 'pm uninstall' refused (${removed.trim().split('\n').pop()})`);
        await device.install([apk.file]);
      }
      const ok = await device.isInstalled(apk.package);
      results.push({ package: apk.package, file: apk.file, ok, detail: ok ? 'installed' : `adb install reported success but ${apk.package} is not installed` });
    } catch (error) {
      const message = (error as Error).message;
      const restricted = /INSTALL_FAILED_USER_RESTRICTED|USER_RESTRICTED/.test(message);
      results.push({ package: apk.package, file: apk.file, ok: false, detail: restricted ? `the phone refused the install (INSTALL_FAILED_USER_RESTRICTED): ${installFix(isXiaomi(props))}` : message });
    }
  }
  return results;
}
