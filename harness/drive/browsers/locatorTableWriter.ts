import type { LocatorEntry, LocatorTableFile } from './locatorTables.js';
import type { Locator, LocatorName } from './types.js';

/**
 * A locator table file from what `phonehome inspect` saw on a phone: each element found on screen
 * with the locator that matched. Everything in it is marked unverified (one screen of one phone):
 * the user reviews it, completes it from other screens (menu open, settings) and keeps it.
 */
export function locatorTableFromScreen(pkg: string, version: string, found: ReadonlyArray<[LocatorName, Locator]>, seenOn: string): LocatorTableFile {
  const locators: Partial<Record<LocatorName, LocatorEntry[]>> = {};
  for (const [name, locator] of found) {
    const prefix = `${pkg}:id/`;
    const entry: LocatorEntry =
      locator.strategy === 'id' ? { id: locator.value.startsWith(prefix) ? locator.value.slice(prefix.length) : locator.value }
      : locator.strategy === 'accessibility id' ? { desc: locator.value }
      : locator.strategy === 'text' ? { text: locator.value }
      : { xpath: locator.value };
    locators[name] = [{ ...entry, unverified: true }];
  }
  return { package: pkg, versions: version, origin: `inspect ${seenOn}: review before keeping; elements not on that screen fall back to the profile's table`, locators };
}

/** The file name a table for this app version should have in harness/drive/browsers/locators/. */
export function locatorTableFileName(pkg: string, version: string): string {
  return `${pkg}@${version}.json`;
}
