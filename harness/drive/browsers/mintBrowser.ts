import { chromiumOmniboxLocators, MIUI_FIRST_RUN_BUTTONS, MIUI_MENU_TEXTS } from './miuiBrowserLayout.js';
import type { BrowserProfile } from './types.js';

/** Mint Browser (`com.mi.globalbrowser.mini`); 3.4.0 is the version decompiled in 2020, 3.4.3 the fix. */
export const mintBrowser: BrowserProfile = {
  name: 'mint',
  label: 'Mint Browser',
  packages: ['com.mi.globalbrowser.mini'],
  writtenFor: ['3.4.0', '3.4.3'],
  locators: chromiumOmniboxLocators,
  firstRunButtons: MIUI_FIRST_RUN_BUTTONS,
  incognitoDataSwitchLabels: ['Enhanced Incognito Mode', 'Help us improve Mint Browser'],
  menuTexts: MIUI_MENU_TEXTS,
};
