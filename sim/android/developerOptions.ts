import { EventEmitter } from 'node:events';
import type { Profile } from '../profile.js';

/**
 * MIUI's two extra Developer options that decide what the adb shell may do on a Xiaomi phone.
 * Off on a retail phone out of the box; a user turns them on in Settings › Additional settings ›
 * Developer options (the first needs a Mi account and a SIM on retail builds).
 *
 * - "USB debugging (Security settings)": without it MIUI takes WRITE_SECURE_SETTINGS and
 *   INJECT_EVENTS away from the shell user, so `settings put`, `input …` and UiAutomator clicks
 *   fail (appium/appium#13802, #20324; openatx/uiautomator2#520; DeviceFarmer/STFService.apk#144;
 *   Genymobile/scrcpy FAQ "mouse and keyboard do not work", #1865; keymapperorg/KeyMapper#2034).
 * - "Install via USB": without it installs from the shell fail with
 *   INSTALL_FAILED_USER_RESTRICTED (flutter/flutter#49053, rom1v/sndcpy#64, RikkaApps/Shizuku#252).
 *
 * Root (uid 0) holds every permission, so neither restriction applies to it (Magisk PR #3152:
 * "try root if adb install fail … MIUI will prevent install app from adb shell").
 * Phones without MIUI have no such options: everything the shell may do on AOSP is allowed.
 */
export type DeveloperOption = 'usbDebuggingSecuritySettings' | 'installViaUsb';

export const DEVELOPER_OPTIONS: readonly DeveloperOption[] = ['usbDebuggingSecuritySettings', 'installViaUsb'];

/** The labels MIUI shows, for messages and the control socket. */
export const DEVELOPER_OPTION_LABELS: Record<DeveloperOption, string> = {
  usbDebuggingSecuritySettings: 'USB debugging (Security settings)',
  installViaUsb: 'Install via USB',
};

export interface DeveloperOptionsEvents {
  changed: [option: DeveloperOption, on: boolean];
}

export class DeveloperOptions extends EventEmitter<DeveloperOptionsEvents> {
  /** Whether the phone runs MIUI, where these options exist at all. */
  readonly miui: boolean;
  private readonly state: Record<DeveloperOption, boolean>;

  constructor(profile: Profile) {
    super();
    const device = profile.device;
    this.miui = Boolean(device.miuiVersion);
    // A profile that does not say is a phone its user already set up for adb (every research
    // phone); the retail profile says `false` for both, as a phone leaves the shop.
    this.state = {
      usbDebuggingSecuritySettings: device.developerOptions?.usbDebuggingSecuritySettings ?? true,
      installViaUsb: device.developerOptions?.installViaUsb ?? true,
    };
  }

  get(option: DeveloperOption): boolean {
    return this.state[option];
  }

  /** The user flips a switch in Developer options (takes effect at once; real phones may want a re-plug, unverified). */
  set(option: DeveloperOption, on: boolean): void {
    if (this.state[option] === on) return;
    this.state[option] = on;
    this.emit('changed', option, on);
  }

  snapshot(): Record<DeveloperOption, boolean> {
    return { ...this.state };
  }

  /** Shell-user settings writes are refused (MIUI without "USB debugging (Security settings)"). */
  refusesSettingsWrites(uid: number): boolean {
    return this.miui && uid !== 0 && !this.state.usbDebuggingSecuritySettings;
  }

  /** Shell-user input injection (`input`, UiAutomator gestures and keys) is refused. */
  refusesInputInjection(uid: number): boolean {
    return this.miui && uid !== 0 && !this.state.usbDebuggingSecuritySettings;
  }

  /** Shell-user installs (`pm install`, `adb install`) are refused. */
  refusesInstalls(uid: number): boolean {
    return this.miui && uid !== 0 && !this.state.installViaUsb;
  }
}
