/** What the harness knows of one browser app: where it is, how its UI is found, what it was checked against. */

/** Appium locator strategies, in the order a profile prefers them. */
export type LocatorStrategy = 'id' | 'accessibility id' | 'text' | 'xpath' | '-android uiautomator';

export interface Locator {
  strategy: LocatorStrategy;
  value: string;
}

export type LocatorName =
  /** The editable address field (Mi Browser / Pro `url`, Mint `url_bar`). */
  | 'addressBar'
  /** What shows the address when not editing, tapped to edit (Mi Browser / Pro `search_hint`; Mint: `url_bar` itself). */
  | 'addressBarDisplay'
  | 'goButton'
  | 'pageTitle'
  | 'webView'
  | 'menuButton'
  | 'menuIncognito'
  | 'menuSettings'
  | 'incognitoIndicator'
  | 'settingsTitle'
  | 'incognitoDataSwitch'
  | 'dialogTitle'
  | 'dialogAccept';

/** Candidates per element, tried in order (resource-id first, then accessibility id, then text). */
export type LocatorTable = Record<LocatorName, Locator[]>;

export interface BrowserProfile {
  /** Name on the command line and in Visit records (`--browser mint`). */
  name: string;
  label: string;
  /** Package names this app ships under, most likely first; devices.json `packages` overrides. */
  packages: string[];
  /** App versions the locators were written for (others may work; `phonehome inspect` helps fix them). */
  writtenFor: string[];
  /** The locators, for the package actually installed. */
  locators(pkg: string): LocatorTable;
  /** Texts of first-run dialog buttons the harness may press (anything else is not clicked). */
  firstRunButtons: string[];
  /** Labels the incognito-data switch has had (May 2020: "Enhanced Incognito Mode", later "Help us improve …"). */
  incognitoDataSwitchLabels: string[];
  /** Menu entry texts. */
  menuTexts: { enterIncognito: string; exitIncognito: string; settings: string };
}
