import { chromiumOmniboxLocators } from './miuiBrowserLayout.js';
import type { BrowserProfile, LocatorTable } from './types.js';

/**
 * Google Chrome (`com.android.chrome`), the control browser of `compare-browsers`: the researchers
 * called Xiaomi's browsers "more invasive than Chrome". Its omnibox is the EditText `url_bar` and its
 * menu button `menu_button` (Chromium's own ids); the incognito entry is found by its text
 * ("New Incognito tab"). Its first-run screens are accepted by their button texts. The menu's ids and
 * the exit text are unverified ('phonehome inspect' shows a real phone's screen to fix a locator).
 */
function chromeLocators(pkg: string): LocatorTable {
  const id = (name: string) => ({ strategy: 'id' as const, value: `${pkg}:id/${name}` });
  const text = (value: string) => ({ strategy: 'text' as const, value });
  const base = chromiumOmniboxLocators(pkg);
  return {
    ...base,
    menuIncognito: [id('menu_incognito'), text('New Incognito tab'), text('Close Incognito tabs')],
    dialogAccept: [id('terms_accept'), id('negative_button'), ...base.dialogAccept],
  };
}

export const chromeBrowser: BrowserProfile = {
  name: 'chrome',
  label: 'Google Chrome',
  packages: ['com.android.chrome'],
  writtenFor: ['81.0.4044.117'],
  locators: chromeLocators,
  firstRunButtons: ['Accept & continue', 'No thanks'],
  incognitoDataSwitchLabels: [],
  menuTexts: { enterIncognito: 'New Incognito tab', exitIncognito: 'Close Incognito tabs', settings: 'Settings' },
};
