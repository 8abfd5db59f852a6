import type { AdbDevice } from './adbDevice.js';

/**
 * The Android user whose apps are on screen: `am get-current-user` (AOSP ActivityManagerShellCommand,
 * API 23+). MIUI's Second space is another Android user (10 on the phones reported), so `pm clear`,
 * `am start` and the user CA folder must name it (real-device-notes row 20); null when the phone
 * does not say (then user 0, Android's default for those commands, is what they reach).
 */
export async function readCurrentUser(device: Pick<AdbDevice, 'shell'>): Promise<number | null> {
  const out = await device.shell('am get-current-user').catch(() => '');
  const user = /^\s*(\d+)\s*$/.exec(out)?.[1];
  return user === undefined ? null : Number(user);
}

/**
 * `pm clear --user N PKG` (AOSP PackageManagerShellCommand.runClear defaults to user 0 without
 * --user, so on a Second space phone a bare `pm clear` wipes the wrong user's copy). Throws the
 * one-line reason when the phone does not answer Success.
 */
export async function clearAppData(device: Pick<AdbDevice, 'shell'>, pkg: string, user: number): Promise<void> {
  const out = await device.shell(`pm clear --user ${user} ${pkg}`);
  if (!/Success/.test(out)) throw new Error(`'pm clear --user ${user} ${pkg}' failed (${out.trim().split('\n')[0] || 'no output'})`);
}

/**
 * Whether `dumpsys package` shows the package installed for `user`: its per-user lines read
 * `User N: ceDataInode=… installed=true …` (AOSP PackageManagerService dumpPackageLPr). A dump
 * without per-user lines (older releases) counts as installed.
 */
export function installedForUser(dump: string, user: number): boolean {
  const lines = [...dump.matchAll(/^\s*User (\d+):.*?\binstalled=(true|false)/gm)];
  if (lines.length === 0) return true;
  return lines.some((m) => Number(m[1]) === user && m[2] === 'true');
}
