/**
 * A simulated phone's profile (sim/profiles/*.json): the device and its apps. Telemetry rules are
 * data; nothing in harness/ may read these files (the detector must find what they send on its own).
 * The JSON Schema in sim/profiles/profile.schema.json must match these types.
 */

/**
 * `input`: the address bar's text changed by typing or pasting (what a browser's suggestion service
 * is sent, per keystroke when typed letter by letter; `${input.text}`). The others: app start, page
 * load, search, going to the background, a contact added, a timer. `system-ui`: the MIUI system
 * layer showed something (sim/apps/systemUi.ts): a folder opened, another home screen, the status
 * bar shade, Settings (`${ui.event}`, `${ui.name}`); it reaches the profile's `service` apps.
 * 'feed-view': a news-feed item shown on the browser's home screen; 'share': a page shared from the
 * menu; 'download': a download the user accepted (the browser's own events, issue #16).
 */
export type TelemetryTrigger = 'launch' | 'navigate' | 'search' | 'input' | 'background' | 'contact-added' | 'interval' | 'system-ui' | 'feed-view' | 'share' | 'download' | PhoneEventTrigger;

/**
 * Phone events a service app reacts to (sim/android/phoneEvents.ts): an SMS received
 * (`${sms.from}`), Wi-Fi turned on and joined (`svc wifi enable`), an account signed in
 * (`${account.name}`, `${account.type}`).
 */
export type PhoneEventTrigger = 'sms-received' | 'wifi-connected' | 'account-added';

export type EncodeStep =
  | 'json' | 'form' | 'base64' | 'base64url' | 'base64-nopad' | 'hex'
  | 'gzip' | 'deflate' | 'brotli' | 'urlencode' | 'md5' | 'sha1' | 'sha256'
  | { field: string; hash: 'md5' | 'sha1' | 'sha256' };

export type Placement =
  | { in: 'body'; contentType?: string }
  | { in: 'form-field'; name: string; extra?: Record<string, string> }
  | { in: 'query'; name: string }
  /** The form-encoded fields as the URL's query string (`?client=…&q=…`, as suggestion services take it); the chain must end with 'form'. */
  | { in: 'query-string' }
  | { in: 'header'; name: string }
  | { in: 'cookie'; name: string };

export interface TelemetryRule {
  /** Names the rule in logs. */
  name: string;
  when: TelemetryTrigger;
  /** Modes in which it fires; default both. */
  modes?: Array<'normal' | 'incognito'>;
  /**
   * For when: 'input': typed text that looks sensitive is not sent — an https URL with a path or
   * query, or text with credentials (`user@` before a host). Chrome documents this ("If Chrome
   * determines that your typing may contain sensitive information … URL data that is normally
   * encrypted, it will not send the typed text", Chrome Privacy Whitepaper, June 2020).
   */
  skipSensitiveInput?: boolean;
  /** When true, the app's incognito-data settings switch (set off) silences this rule in incognito. */
  silencedBySwitch?: boolean;
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  /** Whether this endpoint's TLS stack trusts user-installed CAs (Android 7+ default: false). */
  trustsUserCAs?: boolean;
  /** JSON object whose string values are templates: ${visit.url}, ${device.imei}, ... */
  fields: Record<string, unknown>;
  encode?: EncodeStep[];
  placement: Placement;
  /**
   * Send after `events` events or `ms` milliseconds, whichever first; default immediately. A batch
   * is sent as a JSON array of the events' fields. Rules naming the same `queue` share one batch
   * (one SDK queue fed by several events); they must then agree on url, method, encode and placement.
   */
  batch?: { events?: number; ms?: number; queue?: string };
  /** For when: interval. */
  intervalMs?: number;
  /** Extra request headers; values are templates like `fields`. */
  headers?: Record<string, string>;
}

export interface AppProfile {
  package: string;
  /** 'browser' (default): a launchable browser with UI. 'service': a background system service with no UI, running from boot. */
  kind?: 'browser' | 'service';
  label: string;
  version: string;
  versionCode?: number;
  activity: string; // e.g. com.android.browser.BrowserActivity
  /**
   * false: not on the phone until `adb install` / `pm install` of an APK with this package (an AOSP
   * emulator has no Xiaomi browser); the profile's behaviour then attaches by package name, and
   * the package's version comes from the APK's manifest. Default true (preinstalled).
   */
  preinstalled?: boolean;
  /** Default for the app's page loads and endpoints without their own setting. */
  trustsUserCAs?: boolean;
  userAgent?: string;
  firstRunDialogs?: Array<{ id: string; title: string; text: string; button: string }>;
  /** Text of the incognito-data switch in settings; absent when the version has none. */
  incognitoDataSwitch?: { label: string; summary?: string; defaultOn: boolean };
  /** Search engine URL template with ${query}. */
  searchUrl?: string;
  /**
   * The address bar's form (sim/EVIDENCE.md "Browsers"): 'omnibox' — Chromium's one EditText
   * `url_bar`, host without scheme after a load, inline autocompletion from history (Mint 3.4.x);
   * 'hint' — a TextView `search_hint` that a tap turns into the EditText `url` (Mi Browser / Pro,
   * privacytests.org's real Appium run); absent — one EditText `url` (unverified, older profiles).
   */
  addressBar?: 'omnibox' | 'hint';
  /** Texts of the menu's incognito entry (default 'Incognito mode' / 'Exit incognito mode'). */
  menuTexts?: { incognito: string; exitIncognito: string };
  /**
   * The command-line file a Chromium-based app reads at process start (Chromium's
   * CommandLineInitUtil: `chrome-command-line`), honouring only `--ignore-certificate-errors-spki-list`
   * here. Default: 'chrome-command-line' for apps whose activity lives in a Chromium package
   * (Mint 3.4: com.miui.org.chromium.chrome.browser.*, Palant 2020), none for the others (Mi
   * Browser / Pro read none: unverified, modelled as not Chromium-based). 'none' turns it off.
   */
  chromiumCommandLine?: string;
  /**
   * The ids no public source names (menu_button, menu_incognito, incognito_indicator, menu_settings,
   * settings_title, incognito_data_switch): 'model' (default) has them, 'none' leaves them out so the
   * elements are found only by text and content-description (both unverified; real-device-notes row 8).
   */
  unverifiedIds?: 'model' | 'none';
  /**
   * The home screen's news feed (Mi Browser's and Mint's start page): how many items it shows. Absent:
   * the browser has no feed and no Home button. Where real feeds come from and what they show is not
   * published; the simulator makes up headlines (sim/apps/newsFeed.ts).
   */
  newsFeed?: { items: number };
  telemetry: TelemetryRule[];
}

export interface DeviceProfile {
  manufacturer: string; // Xiaomi
  brand: string;
  model: string; // ro.product.model
  product: string; // ro.product.name
  device: string; // ro.product.device
  release: string; // ro.build.version.release
  sdk: number;
  buildType: 'user' | 'userdebug' | 'eng';
  miuiVersion?: string; // ro.miui.ui.version.name
  miuiRegion?: string;
  imei: string;
  imsi?: string;
  androidId: string;
  serial: string;
  phoneNumber: string;
  wifiMac: string;
  operator?: string;
  rootable: boolean;
  /** Require ADB AUTH (the `unauthorized` path). */
  requireAuth?: boolean;
  screen?: { width: number; height: number; density: number };
  extraProps?: Record<string, string>;
  /**
   * The phone's resolver: host name → IPv4 address (`ping` names it). The addresses are the
   * profile's stated choices (the description says so); a host not listed does not resolve.
   */
  dns?: Record<string, string>;
  /**
   * MIUI's Developer options that gate the adb shell (sim/android/developerOptions.ts). Absent: both
   * on (a phone its user set up for adb). Only MIUI phones (miuiVersion set) have them.
   */
  developerOptions?: { usbDebuggingSecuritySettings?: boolean; installViaUsb?: boolean };
  /**
   * Which `su` a rootable phone has: AOSP's (userdebug/eng images: `su [WHO [COMMAND...]]` only) or
   * Magisk's (`su -c`, `--mount-master`). Default: 'aosp' on userdebug/eng, 'magisk' on user builds.
   */
  su?: 'aosp' | 'magisk';
  /**
   * The Android user on screen. MIUI's Second space is a second Android user (10 on the phones
   * reported; real-device-notes row 20, unverified for any one model): `am get-current-user`
   * answers it, its apps and their data are that user's, and its user CA folder is
   * /data/misc/user/N/cacerts-added. Default 0 (the owner, no Second space in front).
   */
  currentUser?: number;
  /**
   * SELinux label of the stock system CA store (folder and files). Default system_file; some
   * Android 14 ROMs label the Conscrypt store system_security_cacerts_file (httptoolkit-android#18).
   */
  caStoreLabel?: string;
  /** Magisk's version string and its "Mount Namespace Mode" setting (default: 'inherit', Magisk's default). */
  magisk?: { version?: string; versionCode?: number; mountNamespaceMode?: 'global' | 'inherit' | 'isolate' };
}

/** The real-phone mode a profile models (sim/README.md lists them). */
export type PhoneMode = 'retail-miui' | 'magisk-rooted' | 'aosp-emulator' | 'android-14' | 'legacy';

/**
 * The MIUI system layer (sim/apps/systemUi.ts): the launcher's home screens and folders, the status
 * bar shade and Settings. Names marked unverified in sim/EVIDENCE.md ("MIUI system layer") are the
 * profile's choices; absent fields take the defaults named there.
 */
export interface SystemUiProfile {
  /** How many home screens the launcher has (default 2). */
  homeScreens?: number;
  /** The workspace's content-desc: `${n}` the screen shown (from 1), `${count}` how many. */
  homeScreenDescription?: string;
  /** Folders on the home screens: name as shown, its screen (from 1), the labels of the apps in it. */
  folders?: Array<{ name: string; screen: number; apps: string[] }>;
  /** The expanded shade's content-desc (its `notification_panel`). */
  shadeDescription?: string;
  /** Settings' main activity (default com.android.settings.MainSettings on MIUI, else com.android.settings.Settings). */
  settingsActivity?: string;
  /** The title Settings' main page shows (default 'Settings'). */
  settingsTitle?: string;
}

export interface Profile {
  name: string;
  description: string;
  /** Which real-phone mode this profile is (sim/README.md "Modes"). */
  mode?: PhoneMode;
  device: DeviceProfile;
  apps: AppProfile[];
  systemUi?: SystemUiProfile;
}
