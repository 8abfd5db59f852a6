import { createHash } from 'node:crypto';
import type { Profile } from '../profile.js';

/** Android 10 (API 29) turned per-network MAC randomisation on by default. */
export const MAC_RANDOMIZATION_SDK = 29;
/** WifiConfiguration.RANDOMIZATION_NONE / RANDOMIZATION_PERSISTENT (android-10.0.0_r1). */
const RANDOMIZATION_NONE = 0;
const RANDOMIZATION_PERSISTENT = 1;
/** What WifiInfo.getMacAddress() returns to apps since Android 6 (WifiInfo.DEFAULT_MAC_ADDRESS). */
export const APP_VISIBLE_MAC = '02:00:00:00:00:00';

export interface WifiMacState {
  /** The factory MAC (the profile's `wifiMac`): the driver's permanent address. */
  factory: string;
  /** The saved network the phone is on (WifiConfiguration SSID, quoted as Android prints it). */
  ssid: string;
  /** WifiConfiguration.macRandomizationSetting of that network. */
  setting: number;
  /** Its mRandomizedMacAddress; null when the phone uses the factory MAC. */
  randomized: string | null;
  /** What wlan0 carries now (/sys/class/net/wlan0/address). */
  current: string;
  /** /sys/class/net/wlan0/addr_assign_type: 0 NET_ADDR_PERM, 3 NET_ADDR_RANDOM (linux/netdevice.h). */
  addrAssignType: 0 | 3;
}

/**
 * Wi-Fi MAC addresses (sim/EVIDENCE.md, "Wi-Fi MAC"). On Android 10+ a saved network defaults to
 * RANDOMIZATION_PERSISTENT: the phone joins it with that network's own randomised address — a
 * locally administered unicast MAC (android.net.MacAddress.createRandomUnicastAddress) — which
 * wlan0 then carries (addr_assign_type 3, as a rooted Android 10 phone's sysfs shows), so the
 * network never sees the factory MAC; apps read neither (WifiInfo gives 02:00:00:00:00:00).
 * Chosen, **unverified**: the network's SSID (the AOSP emulator's `AndroidWifi`, else
 * `phonehome-lab`), and the randomised MAC derived from the profile and SSID (a phone draws it at
 * random and keeps it per network) so that a profile's value is stable.
 */
export function wifiMacState(profile: Profile): WifiMacState {
  const factory = profile.device.wifiMac.toLowerCase();
  const ssid = `"${/emulator|generic|sdk_gphone/i.test(`${profile.name} ${profile.device.model}`) ? 'AndroidWifi' : 'phonehome-lab'}"`;
  if (profile.device.sdk < MAC_RANDOMIZATION_SDK) return { factory, ssid, setting: RANDOMIZATION_NONE, randomized: null, current: factory, addrAssignType: 0 };
  const randomized = randomUnicastMac(createHash('sha256').update(`phonehome sim wifi ${profile.name} ${factory} ${ssid}`).digest());
  return { factory, ssid, setting: RANDOMIZATION_PERSISTENT, randomized, current: randomized, addrAssignType: 3 };
}

/** MacAddress.createRandomUnicastAddress: random bytes with the locally-administered bit set and the multicast bit clear. */
export function randomUnicastMac(bytes: Buffer): string {
  const b = [...bytes.subarray(0, 6)];
  b[0] = (b[0]! | 0x02) & 0xfe;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * The part of `dumpsys wifi` that shows the saved network's MAC randomisation: WifiConfigManager's
 * configured-networks dump with WifiConfiguration.toString's ` macRandomizationSetting: N` and
 * ` mRandomizedMacAddress: MAC` lines (aosp-mirror/platform_frameworks_base
 * wifi/java/android/net/wifi/WifiConfiguration.java). The other lines of a real dump are not
 * modelled; the field set around those two is **unverified**.
 */
export function dumpsysWifi(state: WifiMacState): string {
  return [
    'Wi-Fi is enabled',
    `mWifiInfo SSID: ${state.ssid}, Supplicant state: COMPLETED, Wi-Fi standard: 5, RSSI: -50, Link speed: 433Mbps, Frequency: 5180MHz, Net ID: 0, Metered hint: false, score: 60, MAC: ${state.current}`,
    '',
    'Dump of WifiConfigManager',
    'WifiConfigManager - Configured networks Begin ----',
    `ID: 0 SSID: ${state.ssid} PROVIDER-NAME: null BSSID: null FQDN: null PRIO: 0 HIDDEN: false PMF: false`,
    ' NetworkSelectionStatus NETWORK_SELECTION_ENABLED',
    ' hasEverConnected: true',
    ` macRandomizationSetting: ${state.setting}`,
    ` mRandomizedMacAddress: ${state.randomized ?? APP_VISIBLE_MAC}`,
    ' KeyMgmt: WPA_PSK Protocols: WPA RSN',
    'WifiConfigManager - Configured networks End ----',
    '',
  ].join('\n');
}
