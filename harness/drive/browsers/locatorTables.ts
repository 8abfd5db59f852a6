import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhonehomeError } from '../../errors.js';
import { LOCATOR_NAMES } from './locatorOverrides.js';
import type { Locator, LocatorName, LocatorTable } from './types.js';

/** One candidate in a table file: exactly one of id (package-relative or full), desc, text, xpath; where it comes from. */
export interface LocatorEntry {
  id?: string;
  desc?: string;
  text?: string;
  xpath?: string;
  /** The public source of this locator; absent means unverified. */
  source?: string;
  unverified?: true;
}

/** A table file: harness/drive/browsers/locators/<package>@<versions>.json (versions like "3.4.x" or "12.1.3"). */
export interface LocatorTableFile {
  package: string;
  versions: string;
  /** Where the table came from: "evidence" (hand-written from cited sources) or "inspect <device> <date>". */
  origin: string;
  locators: Partial<Record<LocatorName, LocatorEntry[]>>;
}

export const LOCATOR_TABLE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locators');

/** "3.4.x" covers 3.4.0, 3.4.3 …; "12.1.3" only itself. */
export function versionInRange(version: string, range: string): boolean {
  const want = range.split('.');
  const have = version.split('.');
  return want.every((part, i) => part === 'x' || part === have[i]) && (want.at(-1) === 'x' || want.length === have.length);
}

function toLocator(pkg: string, entry: LocatorEntry, where: string): Locator {
  const kinds = (['id', 'desc', 'text', 'xpath'] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1) throw new PhonehomeError(`${where}: each locator needs exactly one of id, desc, text, xpath (got ${kinds.join(', ') || 'none'}); fix the entry`);
  const kind = kinds[0]!;
  const value = entry[kind]!.replaceAll('${package}', pkg);
  if (kind === 'id') return { strategy: 'id', value: value.includes(':id/') ? value : `${pkg}:id/${value}` };
  if (kind === 'desc') return { strategy: 'accessibility id', value };
  return { strategy: kind, value };
}

/** Reads and checks one table file; a mistake is one line naming the file, entry and field. */
export function readLocatorTable(file: string): LocatorTableFile & { file: string } {
  let parsed: LocatorTableFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as LocatorTableFile;
  } catch (error) {
    throw new PhonehomeError(`${file}: not readable JSON (${(error as Error).message.split('\n')[0]}); fix the file`);
  }
  if (typeof parsed.package !== 'string' || typeof parsed.versions !== 'string' || typeof parsed.locators !== 'object' || parsed.locators === null) {
    throw new PhonehomeError(`${file}: needs "package", "versions" and "locators"; fix the file`);
  }
  for (const [name, entries] of Object.entries(parsed.locators)) {
    if (!LOCATOR_NAMES.includes(name as LocatorName)) throw new PhonehomeError(`${file}: locators.${name}: unknown element (one of ${LOCATOR_NAMES.join(', ')}); fix the name`);
    (entries ?? []).forEach((e, i) => toLocator(parsed.package, e, `${file}: locators.${name}[${i}]`));
  }
  return { ...parsed, file };
}

/**
 * The table for an installed app version from the shipped data files (or `dir`), laid over the
 * profile's `fallback` table for elements the file leaves out; undefined when no file covers it.
 * `verified` lists the elements whose first candidate has a cited source.
 */
export function locatorTableFor(pkg: string, version: string, fallback: LocatorTable, dir = LOCATOR_TABLE_DIR): { table: LocatorTable; file: string; verified: LocatorName[] } | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(`${pkg}@`) && f.endsWith('.json'));
  } catch {
    return undefined;
  }
  for (const name of files.sort()) {
    const file = readLocatorTable(path.join(dir, name));
    if (file.package !== pkg || !versionInRange(version, file.versions)) continue;
    const table = { ...fallback };
    const verified: LocatorName[] = [];
    for (const [element, entries] of Object.entries(file.locators) as Array<[LocatorName, LocatorEntry[]]>) {
      if (entries.length === 0) continue;
      table[element] = entries.map((e, i) => toLocator(pkg, e, `${file.file}: locators.${element}[${i}]`));
      if (entries[0]!.source && !entries[0]!.unverified) verified.push(element);
    }
    return { table, file: file.file, verified };
  }
  return undefined;
}
