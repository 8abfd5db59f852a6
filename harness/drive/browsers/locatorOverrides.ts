import { PhonehomeError } from '../../errors.js';
import type { Locator, LocatorName, LocatorTable } from './types.js';

const NAMES: LocatorName[] = ['addressBar', 'addressBarDisplay', 'goButton', 'pageTitle', 'webView', 'menuButton', 'menuIncognito', 'menuSettings', 'incognitoIndicator', 'settingsTitle', 'incognitoDataSwitch', 'dialogTitle', 'dialogAccept'];

/** Parses a devices.json override: `id:…`, `desc:…`, `text:…`, `xpath:…` or `uiautomator:…`. */
export function parseLocator(spec: string): Locator {
  const at = spec.indexOf(':');
  const kind = spec.slice(0, at);
  const value = spec.slice(at + 1);
  if (at <= 0 || value === '') throw new PhonehomeError(`locator '${spec}' must look like 'id:pkg:id/name', 'desc:…', 'text:…', 'xpath:…' or 'uiautomator:…'`);
  switch (kind) {
    case 'id': return { strategy: 'id', value };
    case 'desc': return { strategy: 'accessibility id', value };
    case 'text': return { strategy: 'text', value };
    case 'xpath': return { strategy: 'xpath', value };
    case 'uiautomator': return { strategy: '-android uiautomator', value };
    default: throw new PhonehomeError(`locator '${spec}': unknown kind '${kind}' (use id, desc, text, xpath or uiautomator)`);
  }
}

/** Puts each override first in its element's candidate list; unknown element names are an error. */
export function applyLocatorOverrides(table: LocatorTable, overrides: Record<string, string> | undefined, where: string): LocatorTable {
  if (!overrides) return table;
  const out = { ...table };
  for (const [name, spec] of Object.entries(overrides)) {
    if (!NAMES.includes(name as LocatorName)) {
      throw new PhonehomeError(`${where}: locator override '${name}' names no element (elements: ${NAMES.join(', ')})`);
    }
    out[name as LocatorName] = [parseLocator(spec), ...table[name as LocatorName]];
  }
  return out;
}

export const LOCATOR_NAMES: readonly LocatorName[] = NAMES;
