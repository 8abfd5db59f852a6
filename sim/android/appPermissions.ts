import { createHash } from 'node:crypto';
import type { Profile } from '../profile.js';

/**
 * Permissions as `dumpsys package PKG` and `pm grant|revoke` show and change them.
 *
 * Dangerous permissions (runtime permissions from Android 6, API 23) as AOSP
 * frameworks/base/core/res/AndroidManifest.xml declares them (protectionLevel "dangerous",
 * android-10.0.0_r1); the ones a browser may ask for. Everything else here is "normal": granted
 * at install, listed under "install permissions:".
 */
export const DANGEROUS = new Set([
  'android.permission.READ_PHONE_STATE', 'android.permission.ACCESS_FINE_LOCATION', 'android.permission.ACCESS_COARSE_LOCATION',
  'android.permission.READ_EXTERNAL_STORAGE', 'android.permission.WRITE_EXTERNAL_STORAGE', 'android.permission.CAMERA',
  'android.permission.RECORD_AUDIO', 'android.permission.READ_CONTACTS', 'android.permission.GET_ACCOUNTS', 'android.permission.CALL_PHONE',
  'android.permission.READ_SMS', 'android.permission.SEND_SMS', 'android.permission.READ_CALENDAR',
]);

const RUNTIME_PERMISSIONS_SDK = 23;

/**
 * What a profile's browser requests in its manifest. Xiaomi's browsers' real lists have no public
 * evidence: **unverified**. A plausible browser set, and — so that nothing can come to depend on
 * one invented list — each profile drops a different pair of the optional entries (chosen from a
 * hash of the profile's name). Packages the profile does not ship (Appium's, system ones): null,
 * not modelled (grants to them are kept as given).
 */
export function requestedPermissions(profile: Profile, pkg: string): string[] | null {
  if (!profile.apps.some((a) => a.package === pkg)) return null;
  const always = ['android.permission.INTERNET', 'android.permission.ACCESS_NETWORK_STATE', 'android.permission.ACCESS_WIFI_STATE', 'android.permission.WAKE_LOCK'];
  const optional = [
    'android.permission.READ_PHONE_STATE', 'android.permission.ACCESS_FINE_LOCATION', 'android.permission.ACCESS_COARSE_LOCATION',
    'android.permission.WRITE_EXTERNAL_STORAGE', 'android.permission.READ_EXTERNAL_STORAGE', 'android.permission.CAMERA',
    'android.permission.RECORD_AUDIO', 'android.permission.VIBRATE', 'android.permission.RECEIVE_BOOT_COMPLETED',
  ];
  const h = createHash('sha256').update(`${profile.name} ${pkg}`).digest();
  const drop = new Set([h[0]! % optional.length, h[1]! % optional.length]);
  return [...always, ...optional.filter((_, i) => !drop.has(i))];
}

export interface PermissionSections {
  requested: string[] | null;
  install: Array<{ name: string; granted: boolean }>;
  runtime: Array<{ name: string; granted: boolean }>;
}

/** The three sections for one package: requested (when modelled), install (normal), runtime (dangerous, API 23+). */
export function permissionSections(profile: Profile, pkg: string, granted: ReadonlySet<string>): PermissionSections {
  const requested = requestedPermissions(profile, pkg);
  const runtimeModel = profile.device.sdk >= RUNTIME_PERMISSIONS_SDK;
  const isRuntime = (name: string) => runtimeModel && DANGEROUS.has(name);
  if (requested === null) {
    // Not modelled: what was granted, split by kind.
    return {
      requested: null,
      install: [...granted].filter((p) => !isRuntime(p)).map((name) => ({ name, granted: true })),
      runtime: [...granted].filter(isRuntime).map((name) => ({ name, granted: true })),
    };
  }
  return {
    requested,
    // Before API 23 every requested permission is granted at install.
    install: requested.filter((p) => !isRuntime(p)).map((name) => ({ name, granted: true })),
    runtime: requested.filter(isRuntime).map((name) => ({ name, granted: granted.has(name) })),
  };
}

/**
 * `pm grant|revoke PKG PERM` refused for a modelled package: not requested, or not a runtime
 * permission. Messages from AOSP PermissionManagerService.grantRuntimePermission /
 * revokeRuntimePermission (android-10.0.0_r1): "Package P has not requested permission X";
 * "Permission X requested by P is not a changeable permission type" (the "requested by" clause:
 * **unverified**, tools match on "not a changeable permission type"). Returns null when allowed.
 */
export function grantRefusal(profile: Profile, pkg: string, permission: string): string | null {
  const requested = requestedPermissions(profile, pkg);
  if (requested === null || profile.device.sdk < RUNTIME_PERMISSIONS_SDK) return null;
  if (!requested.includes(permission)) return `Package ${pkg} has not requested permission ${permission}`;
  if (!DANGEROUS.has(permission)) return `Permission ${permission} requested by ${pkg} is not a changeable permission type`;
  return null;
}

/**
 * The SecurityException as `cmd package` prints it: Android ≤ 10 (ShellCommand.exec) `Security
 * exception: MSG`, a blank line and the trace; Android 11+ (BasicShellCommandHandler) `Exception
 * occurred while executing 'VERB':` and the trace; exit 255 (see securityRefusals.ts for the
 * sources). The trace frames are **unverified**.
 */
export function grantRefusalOutput(sdk: number, verb: string, message: string): { stderr: string; code: number } {
  const trace = [
    `java.lang.SecurityException: ${message}`,
    `\tat com.android.server.pm.permission.PermissionManagerService.${verb}RuntimePermission(PermissionManagerService.java:1524)`,
    `\tat com.android.server.pm.PackageManagerShellCommand.runGrantRevokePermission(PackageManagerShellCommand.java:2015)`,
    sdk >= 30 ? '\tat android.os.BasicShellCommandHandler.exec(BasicShellCommandHandler.java:98)' : '\tat android.os.ShellCommand.exec(ShellCommand.java:104)',
    '',
  ].join('\n');
  return { stderr: sdk >= 30 ? `Exception occurred while executing '${verb}':\n${trace}` : `Security exception: ${message}\n\n${trace}`, code: 255 };
}
