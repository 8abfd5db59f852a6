import { createRequire } from 'node:module';
import path from 'node:path';
import type { DeviceEntry } from '../config/index.js';
import { PhonehomeError } from '../errors.js';

/** What a user runs when phonehome cannot find Appium (package.json: optional peer dependencies). */
export const APPIUM_INSTALL = 'npm install appium@3 appium-uiautomator2-driver@8';

/**
 * The APPIUM_HOME of an Appium phonehome starts: the folder whose node_modules holds `appium` and
 * `appium-uiautomator2-driver`, found as Node finds a package from phonehome's own location (in a
 * clone, the repo; installed, the user's project, where npm puts peer dependencies). Appium 3 uses
 * the drivers installed as npm packages of the APPIUM_HOME project, so no `appium driver install`.
 * Missing: a one-line error with the command that fixes it.
 */
export function findAppiumHome(from: string = import.meta.url): string {
  const require = createRequire(from);
  let appiumPackage: string;
  try {
    appiumPackage = require.resolve('appium/package.json');
  } catch {
    throw new PhonehomeError(`Appium is not installed in this project (phones without an appiumUrl get an Appium server phonehome starts); run: ${APPIUM_INSTALL}`);
  }
  // <home>/node_modules/appium/package.json
  const home = path.dirname(path.dirname(path.dirname(appiumPackage)));
  try {
    createRequire(path.join(home, 'package.json')).resolve('appium-uiautomator2-driver/package.json');
  } catch {
    throw new PhonehomeError(`Appium's UiAutomator2 driver is not installed beside appium in ${home}; run: ${APPIUM_INSTALL}`);
  }
  return home;
}

/** Checked with a run's inputs: every chosen phone without an appiumUrl needs a local Appium. */
export function checkAppiumInstalled(entries: readonly DeviceEntry[]): void {
  if (entries.some((e) => !e.appiumUrl)) findAppiumHome();
}
