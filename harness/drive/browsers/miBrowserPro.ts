import { MIUI_FIRST_RUN_BUTTONS, MIUI_MENU_TEXTS, miuiBrowserLocators } from './miuiBrowserLayout.js';
import type { BrowserProfile } from './types.js';

/** Mi Browser Pro from the Play Store (`com.mi.globalbrowser`); 12.1.4 added the incognito switch. */
export const miBrowserPro: BrowserProfile = {
  name: 'mi-browser-pro',
  label: 'Mi Browser Pro',
  packages: ['com.mi.globalbrowser'],
  writtenFor: ['12.1.3', '12.1.4'],
  locators: miuiBrowserLocators,
  firstRunButtons: MIUI_FIRST_RUN_BUTTONS,
  incognitoDataSwitchLabels: ['Enhanced Incognito Mode', 'Help us improve Mi Browser'],
  menuTexts: MIUI_MENU_TEXTS,
};
