import type { LocatorTable } from './types.js';

/**
 * The UI layout shared by Xiaomi's browsers (Mi Browser, Mint, Mi Browser Pro), as stated in the
 * project's UI contract (README "Browsers"): the real apps' layouts are not published, so this is
 * our model of them; devices.json `locators` overrides any entry for a real app version.
 */
export function miuiBrowserLocators(pkg: string): LocatorTable {
  const id = (name: string) => ({ strategy: 'id' as const, value: `${pkg}:id/${name}` });
  const desc = (value: string) => ({ strategy: 'accessibility id' as const, value });
  const text = (value: string) => ({ strategy: 'text' as const, value });
  return {
    // Evidence (real-device-notes, "Real resource-ids"): Mi Browser / Pro show `search_hint` and edit in
    // `url` (privacytests.org's real Appium run, testing/android.js).
    addressBar: [id('url'), { strategy: 'xpath', value: `//android.widget.EditText[@package='${pkg}']` }],
    addressBarDisplay: [id('search_hint'), id('url')],
    // From here to the dialogs: ids no public source names (real-device-notes row 8), unverified;
    // each has a localized text or content-description fallback, which is all some builds offer.
    goButton: [id('go'), desc('Go')],
    pageTitle: [id('title')],
    webView: [id('webview'), { strategy: 'xpath', value: '//android.webkit.WebView' }],
    menuButton: [id('menu_button'), desc('Menu')],
    menuIncognito: [id('menu_incognito'), text('Incognito mode'), text('Exit incognito mode')],
    menuSettings: [id('menu_settings'), text('Settings')],
    incognitoIndicator: [id('incognito_indicator'), desc('Incognito')],
    settingsTitle: [id('settings_title'), text('Settings')],
    incognitoDataSwitch: [id('incognito_data_switch'), { strategy: 'xpath', value: '//android.widget.Switch' }],
    dialogTitle: [{ strategy: 'id', value: 'android:id/alertTitle' }],
    dialogAccept: [{ strategy: 'id', value: 'android:id/button1' }],
  };
}

export const MIUI_MENU_TEXTS = { enterIncognito: 'Incognito mode', exitIncognito: 'Exit incognito mode', settings: 'Settings' };
export const MIUI_FIRST_RUN_BUTTONS = ['Agree', 'Accept', 'Not now', 'OK', 'Continue', 'Got it'];

/**
 * Mint 3.4.x is a Chromium fork (its activity is com.miui.org.chromium.chrome.browser.ChromeTabbedActivity,
 * the real Sensors payload's `$screen_name`): the omnibox is one EditText `url_bar` (decompiled smali,
 * code sample 17430645863, medium trust; Chromium's own id), `url` as the lower-trust fallback.
 */
export function chromiumOmniboxLocators(pkg: string): LocatorTable {
  const id = (name: string) => ({ strategy: 'id' as const, value: `${pkg}:id/${name}` });
  const edit = { strategy: 'xpath' as const, value: `//android.widget.EditText[@package='${pkg}']` };
  return { ...miuiBrowserLocators(pkg), addressBar: [id('url_bar'), id('url'), edit], addressBarDisplay: [id('url_bar'), id('url')] };
}
