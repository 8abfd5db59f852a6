import { LOCATOR_NAMES } from './locatorOverrides.js';
import { locatorTableFor, LOCATOR_TABLE_DIR } from './locatorTables.js';
import type { BrowserProfile, LocatorName } from './types.js';

/** How far a browser's locators are backed by evidence for the version installed on a phone. */
export interface LocatorStatus {
  /** 'verified': every element's first candidate has a cited source; 'partly': some; 'unverified': a table without sources, or none. */
  state: 'verified' | 'partly' | 'unverified';
  /** The data file covering the version (harness/drive/browsers/locators/…), absent when none does. */
  table?: string;
  verified: LocatorName[];
  unverified: LocatorName[];
}

/**
 * Which of a browser's elements have evidence-backed locators for `version` of `pkg`: those whose
 * first candidate in the version's table file cites a source. Without a table for the version,
 * everything is the profile's unverified model ('phonehome inspect … --write' makes one to review).
 */
export function locatorStatus(profile: BrowserProfile, pkg: string, version: string, dir = LOCATOR_TABLE_DIR): LocatorStatus {
  const found = locatorTableFor(pkg, version, profile.locators(pkg), dir);
  const verified = found?.verified ?? [];
  const unverified = LOCATOR_NAMES.filter((n) => !verified.includes(n));
  const state = verified.length === 0 ? 'unverified' : unverified.length === 0 ? 'verified' : 'partly';
  return { state, ...(found ? { table: found.file } : {}), verified, unverified };
}

/** One short phrase for a table cell: "locators 4/13 verified", or "locators unverified: no table for 3.5.0". */
export function describeLocatorStatus(status: LocatorStatus, version: string): string {
  const total = status.verified.length + status.unverified.length;
  if (!status.table) return `locators unverified: no table for ${version}`;
  return `locators ${status.verified.length}/${total} verified`;
}
