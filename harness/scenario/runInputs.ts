import { loadDevices, type DevicesFile } from '../config/index.js';
import type { DeviceEntry } from '../config/index.js';
import { BROWSER_PROFILES, browserProfile } from '../drive/browsers/index.js';
import type { BrowserMode } from '../detect/index.js';
import { PhonehomeError } from '../errors.js';
import { checkAppiumReachable } from './appiumReachable.js';
import { checkSuitesDeclare } from './declarationCheck.js';
import { loadSuite, resolveSuiteFile, type LoadedSuite } from './loadSuites.js';

/**
 * What every run (one phone or a farm) checks before any phone is touched, so a mistake is a
 * one-line error and not a half-started run: the suites load, the browsers exist, devices.json is valid.
 */
export async function loadRunInputs(options: { suites: string[]; browsers: string[]; devicesFile: string; devices?: string[]; modes?: BrowserMode[] }): Promise<{ suites: LoadedSuite[]; browsers: string[]; devicesFile: DevicesFile }> {
  if (options.suites.length === 0) throw new PhonehomeError("phonehome run: name at least one suite, e.g. 'phonehome run smoke' (see 'phonehome run --help')");
  const browsers = options.browsers.length > 0 ? options.browsers.map((b) => browserProfile(b).name) : BROWSER_PROFILES.map((p) => p.name);
  const suites: LoadedSuite[] = [];
  for (const arg of options.suites) suites.push(await loadSuite(await resolveSuiteFile(arg)));
  const devicesFile = await loadDevices(options.devicesFile);
  // Declared once before any phone starts: a suite that throws while declaring costs no provisioning.
  const named = (options.devices ?? []).filter((d) => devicesFile.devices.some((e) => e.name === d));
  const phones = named.length > 0 ? named : [devicesFile.defaultDevice ?? devicesFile.devices[0]?.name ?? 'phone'];
  checkSuitesDeclare(suites, { phones, browsers, modes: options.modes ?? ['normal', 'incognito'] });
  return { suites, browsers, devicesFile };
}

/** Every Appium / Grid URL the chosen phones name must answer before the run starts. */
export async function checkAppiumUrls(entries: DeviceEntry[]): Promise<void> {
  for (const entry of entries) if (entry.appiumUrl) await checkAppiumReachable(entry.name, entry.appiumUrl);
}
