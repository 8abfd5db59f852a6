import type { Profile } from '../profile.js';

/**
 * System properties as `getprop` shows them, built from the profile. ro.* are read-only once
 * set (init's rule); the rest can be changed with setprop.
 */
export class PropertyStore {
  private readonly values = new Map<string, string>();

  constructor(initial: Record<string, string>) {
    for (const [key, value] of Object.entries(initial)) this.values.set(key, value);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Returns false when the property is read-only and already set. */
  set(key: string, value: string): boolean {
    if (key.startsWith('ro.') && this.values.has(key)) return false;
    this.values.set(key, value);
    return true;
  }

  /** Forced change by the system itself (boot state, root). */
  setSystem(key: string, value: string): void {
    this.values.set(key, value);
  }

  entries(): Array<[string, string]> {
    return [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

export function profileProperties(profile: Profile): Record<string, string> {
  const d = profile.device;
  const screen = d.screen ?? { width: 1080, height: 2340, density: 440 };
  const fingerprint = `${d.brand}/${d.product}/${d.device}:${d.release}/${buildId(d.sdk)}/V${d.miuiVersion ?? '1'}:${d.buildType}/release-keys`;
  const props: Record<string, string> = {
    'ro.product.manufacturer': d.manufacturer,
    'ro.product.brand': d.brand,
    'ro.product.model': d.model,
    'ro.product.name': d.product,
    'ro.product.device': d.device,
    'ro.product.board': d.device,
    'ro.product.cpu.abi': 'arm64-v8a',
    'ro.product.cpu.abilist': 'arm64-v8a,armeabi-v7a,armeabi',
    'ro.product.locale': 'en-US',
    'ro.product.system.manufacturer': d.manufacturer,
    'ro.product.system.model': d.model,
    'ro.product.vendor.model': d.model,
    'ro.build.version.release': d.release,
    'ro.build.version.sdk': String(d.sdk),
    'ro.build.version.security_patch': '2020-04-01',
    'ro.build.version.incremental': `V${d.miuiVersion ?? '1'}`,
    'ro.build.id': buildId(d.sdk),
    'ro.build.type': d.buildType,
    'ro.build.tags': 'release-keys',
    'ro.build.fingerprint': fingerprint,
    'ro.build.characteristics': 'nosdcard',
    'ro.debuggable': d.buildType === 'user' ? '0' : '1',
    'ro.secure': d.buildType === 'eng' ? '0' : '1',
    'ro.adb.secure': d.requireAuth ? '1' : '0',
    'ro.serialno': d.serial,
    'ro.boot.serialno': d.serial,
    'ro.sf.lcd_density': String(screen.density),
    'ro.hardware': d.device,
    'ro.kernel.qemu': '0',
    'ro.carrier': 'unknown',
    'persist.sys.locale': 'en-US',
    'persist.sys.timezone': 'Europe/London',
    'gsm.operator.alpha': d.operator ?? '',
    'gsm.sim.operator.alpha': d.operator ?? '',
    'gsm.sim.state': 'READY',
    'gsm.network.type': 'LTE',
    'wifi.interface': 'wlan0',
    'service.adb.root': '0',
    'service.adb.tcp.port': '5555',
    'init.svc.adbd': 'running',
    'dev.bootcomplete': '1',
    'sys.boot_completed': '1',
    'sys.usb.config': 'adb',
    'sys.usb.state': 'adb',
    'persist.sys.usb.config': 'adb',
  };
  if (d.miuiVersion) {
    props['ro.miui.ui.version.name'] = d.miuiVersion;
    props['ro.miui.ui.version.code'] = String(Number.parseInt(d.miuiVersion.replace(/\D/g, ''), 10) || 0);
    props['ro.miui.region'] = d.miuiRegion ?? 'GLOBAL';
    props['ro.miui.build.region'] = (d.miuiRegion ?? 'global').toLowerCase();
  }
  const merged: Record<string, string> = { ...props, ...(d.extraProps ?? {}) };
  return { ...derivedBuildProps(merged, d), ...merged };
}

/**
 * Properties every Android build has that follow from the others (AOSP build/make/tools/buildinfo.sh
 * and the partition build.prop files, android-10.0.0_r1): the per-partition fingerprints equal the
 * build's, `ro.build.description` is "<product>-<type> <release> <id> <incremental> <tags>",
 * `ro.build.version.codename` is REL on a release build. A profile's extraProps win over these.
 */
function derivedBuildProps(p: Record<string, string>, d: Profile['device']): Record<string, string> {
  const fingerprint = p['ro.build.fingerprint'] ?? '';
  const emulator = p['ro.kernel.qemu'] === '1';
  const derived: Record<string, string> = {
    'ro.build.version.codename': 'REL',
    'ro.build.version.all_codenames': 'REL',
    'ro.build.version.preview_sdk': '0',
    'ro.build.description': `${d.product}-${d.buildType} ${d.release} ${p['ro.build.id']} ${p['ro.build.version.incremental']} ${p['ro.build.tags']}`,
    'ro.system.build.fingerprint': fingerprint,
    'ro.vendor.build.fingerprint': fingerprint,
    'ro.bootimage.build.fingerprint': fingerprint,
    // The release the device launched with: Redmi Note 8 (ginkgo) shipped Android 9 (MIUI 10), per
    // Xiaomi's launch specs; other devices are taken to run their launch release (unverified).
    'ro.product.first_api_level': String(FIRST_API_LEVEL[d.device] ?? d.sdk),
    // The modem firmware version the RIL reports. The emulator's reference RIL says 1.0.0.0 and a
    // Qualcomm phone an MPSS build string; the exact strings are unverified (no public dump found).
    'gsm.version.baseband': emulator ? '1.0.0.0' : 'MPSS.AT.4.0.c2.6-00335-SM6125_GEN_PACK-1,MPSS.AT.4.0.c2.6-00335-SM6125_GEN_PACK-1',
    'gsm.version.ril-impl': emulator ? 'android reference-ril 1.0' : 'Qualcomm RIL 1.0',
  };
  if (d.sdk >= 30) derived['ro.build.version.release_or_codename'] = d.release;
  return derived;
}

const FIRST_API_LEVEL: Record<string, number> = { ginkgo: 28 };

function buildId(sdk: number): string {
  const ids: Record<number, string> = { 19: 'KTU84P', 23: 'MRA58K', 26: 'OPR1.170623.027', 28: 'PKQ1.190616.001', 29: 'QKQ1.200114.002', 30: 'RKQ1.200826.002', 31: 'SKQ1.211006.001', 33: 'TKQ1.221114.001', 34: 'UKQ1.230917.001' };
  return ids[sdk] ?? 'QKQ1.200114.002';
}
