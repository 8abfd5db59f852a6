import { MIUI_FIRST_RUN_BUTTONS, MIUI_MENU_TEXTS, miuiBrowserLocators } from './miuiBrowserLayout.js';
import type { BrowserProfile } from './types.js';

/**
 * The preloaded global Mi Browser. Its package is not published (findings F1); Xiaomi's global ROMs
 * ship it from the AOSP-derived `com.android.browser`, which is the default here — set
 * devices.json `packages: { "mi-browser": "…" }` for a build that uses another.
 */
export const miBrowser: BrowserProfile = {
  name: 'mi-browser',
  label: 'Mi Browser',
  packages: ['com.android.browser'],
  writtenFor: ['12.1.3', '12.1.4'],
  locators: miuiBrowserLocators,
  firstRunButtons: MIUI_FIRST_RUN_BUTTONS,
  incognitoDataSwitchLabels: ['Enhanced Incognito Mode', 'Help us improve Mi Browser'],
  menuTexts: MIUI_MENU_TEXTS,
};
