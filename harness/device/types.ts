/** A phone as the harness sees it: the same shape for USB, networked, emulated and simulated phones. */
export interface DeviceEntry {
  /** Name used on the command line (`--device NAME`). */
  name: string;
  /** adb serial (USB) or host:port for `adb connect`. */
  serial: string;
  /** Optional command that starts the phone (emulator, `phonehome sim …`), then `serial` is connected. */
  launch?: { command: string; args?: string[]; readyTimeoutMs?: number };
  /** Appium or Selenium Grid URL; absent means the harness starts its own Appium server. */
  appiumUrl?: string;
  /** Extra Appium capabilities merged into every session. */
  capabilities?: Record<string, unknown>;
  /** Locator overrides per browser profile, for real app versions (see harness/drive/browsers). */
  locators?: Record<string, Record<string, string>>;
  tags?: string[];
}

export type IdentifierName = 'imei' | 'phoneNumber' | 'androidId' | 'serial' | 'wifiMac' | 'model' | 'release' | 'imsi';

export type IdentifierReading = { value: string } | { unavailable: string };

export type Identifiers = Record<IdentifierName, IdentifierReading>;
