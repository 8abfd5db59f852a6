import type { AdbDevice } from './adbDevice.js';
import { asRoot, type RootForm } from './rootAccess.js';
import type { IdentifierReading } from './types.js';

/**
 * Since Android 8 ANDROID_ID (SSAID) is per app signing key and user, so `settings get secure
 * android_id` is the shell's value, not what an app sends (Android Developers Blog "Changes to
 * Device Identifiers in Android O", 2017-04-10; AOSP change 5514fb7 "SSAID Migration to be Per
 * App/User Unique Values"). SettingsProvider keeps them in /data/system/users/N/settings_ssaid.xml,
 * one `<setting name=UID value=SSAID package=PKG …/>` per app (AOSP SettingsProvider's
 * SettingsState, as mirrored in MuntashirAkon/AppManager ssaid/SettingsStateV26.java; the simulator
 * models it, see sim/EVIDENCE.md); Android 12+ writes it as binary XML, read back with
 * `abx2xml FILE -`.
 */
export const PER_APP_ANDROID_ID_SDK = 26;

export function ssaidPath(user: number): string {
  return `/data/system/users/${user}/settings_ssaid.xml`;
}

export const UNAVAILABLE_FOR_APPS =
  'unavailable for apps on Android 8+: each app gets its own ANDROID_ID (SSAID), and reading the browser\'s needs root (settings_ssaid.xml); the shell\'s value is not what apps send';

/** Each package's SSAID, or why there is none. Only with root (a root form); the caller checks the release. */
export async function readAppAndroidIds(device: AdbDevice, form: RootForm, user: number, sdk: number, packages: string[]): Promise<Record<string, IdentifierReading>> {
  const path = ssaidPath(user);
  const out = await device.shell(asRoot(form, sdk >= 31 ? `abx2xml ${path} - 2>&1` : `cat ${path} 2>&1`), { maxBytes: 4 * 1024 * 1024 });
  const table = parseSsaidXml(out);
  const result: Record<string, IdentifierReading> = {};
  for (const pkg of packages) {
    const value = table.get(pkg);
    if (value) result[pkg] = { value };
    else if (table.size === 0) result[pkg] = { unavailable: `${path} could not be read as root (${out.trim().split('\n')[0]?.slice(0, 80) || 'empty'})` };
    else result[pkg] = { unavailable: `${pkg} has no SSAID in ${path} yet (it has not asked for ANDROID_ID since it was installed or cleared)` };
  }
  return result;
}

/** package → SSAID from the text form of settings_ssaid.xml. */
export function parseSsaidXml(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of text.matchAll(/<setting\b([^>]*)\/?>/g)) {
    const attrs = new Map<string, string>();
    for (const a of match[1]!.matchAll(/([A-Za-z]+)="([^"]*)"/g)) attrs.set(a[1]!, a[2]!);
    const pkg = attrs.get('package');
    const value = attrs.get('value')?.toLowerCase();
    if (pkg && value && /^[0-9a-f]{1,16}$/.test(value) && pkg !== 'android') out.set(pkg, value);
  }
  return out;
}
