/** A phone as the harness sees it: the same shape for USB, networked, emulated and simulated phones. */
export interface DeviceEntry {
  /** Name used on the command line (`--device NAME`). */
  name: string;
  /** adb serial (USB) or host:port for `adb connect`. */
  serial: string;
  /**
   * Optional command that starts the phone (emulator, `phonehome sim …`), then `serial` is connected.
   * `cwd` (relative to the devices.json folder) and `env` are optional; a command named `phonehome`
   * runs this checkout's own binary.
   */
  launch?: { command: string; args?: string[]; readyTimeoutMs?: number; cwd?: string; env?: Record<string, string> };
  /** Appium or Selenium Grid URL; absent means the harness starts its own Appium server. */
  appiumUrl?: string;
  /** Extra Appium capabilities merged into every session. */
  capabilities?: Record<string, unknown>;
  /** Locator overrides per browser profile, for real app versions (see harness/drive/browsers). */
  locators?: Record<string, Record<string, string>>;
  tags?: string[];
  /** Package name overrides per browser profile (e.g. a regional Mi Browser build). */
  packages?: Record<string, string>;
  /**
   * Address the phone uses to reach the capture sidecar. Absent: `adb reverse` makes the sidecar
   * appear on the phone's 127.0.0.1 (works for USB, emulators and adb-connected phones alike).
   * Set it (a LAN address of this machine) when reverse tunnels are not available.
   */
  proxyHost?: string;
  /** UiAutomator2 systemPort for this phone (unique per phone); absent: the harness assigns one. */
  systemPort?: number;
  /** Per-call adb timeout in ms (default 10000); slow farm links may need more. */
  adbTimeoutMs?: number;
  /**
   * APKs provisioning installs per browser profile (emulator farms): one file, or base + splits
   * (installed with install-multiple). Paths are relative to the devices.json folder.
   */
  apps?: Record<string, string | string[]>;
}
