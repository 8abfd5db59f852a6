import type { AdbDevice } from './adbDevice.js';
import { readCurrentUser } from './androidUser.js';
import { APPIUM_PACKAGES } from './appiumApks.js';
import { securitySettingsFix, isXiaomi } from './phoneFixes.js';
import { detectRoot, type RootAccess } from './rootAccess.js';

/** The key the settings probe writes and deletes again (never a setting anything reads). */
export const PROBE_SETTING = 'phonehome_probe';

export interface PreflightBlocker {
  /** What was probed: 'settings', 'input', 'install', 'appium-apks', 'user'. */
  check: string;
  /** One line: the blocker and its fix. */
  line: string;
}

export interface Preflight {
  ok: boolean;
  release?: string;
  sdk?: number;
  /** `am get-current-user`; null when the phone did not say. */
  user: number | null;
  root: RootAccess;
  settingsWrite: 'ok' | 'refused';
  inputInjection: 'ok' | 'refused';
  /** Installs are not probed by installing something: 'not-probed' unless an install was asked for. */
  install: 'ok' | 'refused' | 'not-probed';
  /** Package → installed, for the Appium server and settings APKs. */
  appiumApks: Record<string, boolean>;
  blockers: PreflightBlocker[];
}

export interface PreflightOptions {
  props?: Record<string, string>;
  /** The Appium APKs must be installed already (a phone whose installs need the user's tap). */
  requireAppiumApks?: boolean;
  /** devices.json name, for the doctor command in fixes. */
  name?: string;
}

/**
 * Probes what the harness needs from the adb shell, leaving nothing changed: a settings write (put,
 * read back, delete), an input injection (`input keyevent 0`, KEYCODE_UNKNOWN: no app reacts), the
 * root forms, Android release and API, the current user, the Appium APKs. Each blocker is one line
 * with its fix. The refusals are MIUI's (and ColorOS's) without the extra developer option:
 * `SecurityException: Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS`
 * (appium/appium#13802, #20324) and `Injecting to another application requires INJECT_EVENTS
 * permission` (openatx/uiautomator2#520, DeviceFarmer/STFService.apk#144); the output is read for
 * them, not only the read-back, since a refused write may still exit 0 on some builds.
 */
export async function runPreflight(device: AdbDevice, options: PreflightOptions = {}): Promise<Preflight> {
  const props = options.props ?? (await device.getProperties());
  const xiaomi = isXiaomi(props);
  const sdkNumber = Number(props['ro.build.version.sdk']);
  const sdk = Number.isFinite(sdkNumber) && sdkNumber > 0 ? sdkNumber : undefined;
  const blockers: PreflightBlocker[] = [];
  const fix = securitySettingsFix(xiaomi);

  const settingsWrite = await probeSettingsWrite(device);
  const input = await device.shell('input keyevent 0 2>&1').catch((error: Error) => error.message);
  const inputInjection = /INJECT_EVENTS|SecurityException/.test(input) ? 'refused' : 'ok';
  // Both refusals have the same cause and fix: one line names both.
  const refused = [
    ...(settingsWrite !== 'ok' ? [`change settings (${settingsWrite})`] : []),
    ...(inputInjection === 'refused' ? ['inject input (INJECT_EVENTS refused, so no tap or key press works)'] : []),
  ];
  if (refused.length > 0) {
    blockers.push({ check: settingsWrite !== 'ok' ? 'settings' : 'input', line: `the adb shell may not ${refused.join(' nor ')}: ${fix}` });
  }
  const [root, user, apks] = await Promise.all([
    detectRoot(device, props),
    readCurrentUser(device),
    Promise.all(APPIUM_PACKAGES.map(async (pkg) => [pkg, await device.isInstalled(pkg).catch(() => false)] as const)),
  ]);
  const appiumApks = Object.fromEntries(apks);
  const missing = APPIUM_PACKAGES.filter((pkg) => !appiumApks[pkg]);
  if (missing.length > 0 && (options.requireAppiumApks ?? xiaomi)) {
    blockers.push({
      check: 'appium-apks',
      line: `the Appium server APKs are not installed (${missing.join(', ')}), and this phone asks the user to confirm each install: run 'phonehome doctor --phone ${options.name ?? device.serial}' once`,
    });
  }
  return {
    ok: blockers.length === 0,
    release: props['ro.build.version.release'] || undefined,
    sdk,
    user,
    root,
    settingsWrite: settingsWrite === 'ok' ? 'ok' : 'refused',
    inputInjection,
    install: 'not-probed',
    appiumApks,
    blockers,
  };
}

/**
 * `settings put global phonehome_probe 1`, read back, delete. Returns 'ok' or what went wrong. A
 * write refused after a put that did land (none known) still gets the delete.
 */
async function probeSettingsWrite(device: AdbDevice): Promise<string> {
  const put = await device.shell(`settings put global ${PROBE_SETTING} 1 2>&1`).catch((error: Error) => error.message);
  const back = (await device.shell(`settings get global ${PROBE_SETTING}`).catch(() => '')).trim();
  const del = await device.shell(`settings delete global ${PROBE_SETTING} 2>&1`).catch((error: Error) => error.message);
  if (/WRITE_SECURE_SETTINGS|SecurityException|Security exception|Permission denial/i.test(put)) return 'WRITE_SECURE_SETTINGS refused';
  if (back !== '1') return `the probe setting reads '${back || 'nothing'}' after writing 1`;
  if (/WRITE_SECURE_SETTINGS|SecurityException|Security exception|Permission denial/i.test(del)) return 'deleting a setting refused';
  return 'ok';
}

/** The phone's state for `phonehome devices`: 'ready' or the blockers. */
export function preflightState(preflight: Preflight): string {
  return preflight.ok ? 'ready' : preflight.blockers.map((b) => b.line).join('; ');
}
