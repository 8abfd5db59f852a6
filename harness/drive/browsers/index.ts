import { PhonehomeError } from '../../errors.js';
import { miBrowser } from './miBrowser.js';
import { miBrowserPro } from './miBrowserPro.js';
import { mintBrowser } from './mintBrowser.js';
import { chromeBrowser } from './chromeBrowser.js';
import type { BrowserProfile } from './types.js';

export * from './types.js';
export { applyLocatorOverrides, parseLocator, LOCATOR_NAMES } from './locatorOverrides.js';
export { miuiBrowserLocators, chromiumOmniboxLocators } from './miuiBrowserLayout.js';
export { locatorTableFor, readLocatorTable, versionInRange, LOCATOR_TABLE_DIR, type LocatorEntry, type LocatorTableFile } from './locatorTables.js';
export { locatorStatus, describeLocatorStatus, type LocatorStatus } from './locatorStatus.js';
export { miBrowser, mintBrowser, miBrowserPro, chromeBrowser };

/** Every browser profile the harness drives. */
export const BROWSER_PROFILES: readonly BrowserProfile[] = [miBrowser, mintBrowser, miBrowserPro, chromeBrowser];

export function browserProfile(name: string): BrowserProfile {
  const profile = BROWSER_PROFILES.find((p) => p.name === name);
  if (!profile) throw new PhonehomeError(`no browser profile '${name}' (browsers: ${BROWSER_PROFILES.map((p) => p.name).join(', ')})`);
  return profile;
}

/** Candidate packages of a profile, with a devices.json override first. */
export function profilePackages(profile: BrowserProfile, overrides?: Record<string, string>): string[] {
  const override = overrides?.[profile.name];
  return override ? [override, ...profile.packages.filter((p) => p !== override)] : profile.packages;
}
