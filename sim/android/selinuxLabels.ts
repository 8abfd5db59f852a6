/**
 * SELinux file labels as Android assigns them: the file_contexts rules for the paths the
 * simulator has (AOSP system/sepolicy private/file_contexts at android-10.0.0_r1; the Conscrypt
 * APEX's own file_contexts labels its contents system_file), a tmpfs root labelled tmpfs
 * (genfscon), new files inheriting their directory's label, and which labels an ordinary app
 * (untrusted_app) may read a CA store under.
 */

const RULES: Array<[RegExp, string]> = [
  [/^\/system(\/.*)?$/, 'u:object_r:system_file:s0'],
  [/^\/vendor(\/.*)?$/, 'u:object_r:vendor_file:s0'],
  [/^\/apex$/, 'u:object_r:apex_mnt_dir:s0'],
  [/^\/apex\/com\.android\.conscrypt(\/.*)?$/, 'u:object_r:system_file:s0'],
  [/^\/apex\/.*$/, 'u:object_r:system_file:s0'],
  [/^\/data\/local\/tmp(\/.*)?$/, 'u:object_r:shell_data_file:s0'],
  [/^\/data\/misc\/user(\/.*)?$/, 'u:object_r:misc_user_data_file:s0'],
  [/^\/data\/misc\/adb(\/.*)?$/, 'u:object_r:adb_keys_file:s0'],
  [/^\/data\/app(\/.*)?$/, 'u:object_r:apk_data_file:s0'],
  [/^\/data\/data\/[^/]+(\/.*)?$/, 'u:object_r:app_data_file:s0'],
  [/^\/data(\/.*)?$/, 'u:object_r:system_data_file:s0'],
  [/^\/dev(\/.*)?$/, 'u:object_r:device:s0'],
  [/^\/proc(\/.*)?$/, 'u:object_r:proc:s0'],
  [/^\/sys(\/.*)?$/, 'u:object_r:sysfs:s0'],
  [/^\/(storage|sdcard|mnt)(\/.*)?$/, 'u:object_r:mnt_user_file:s0'],
];

/** What `restorecon PATH` sets: the file_contexts label for the path. */
export function defaultLabel(path: string): string {
  for (const [pattern, label] of RULES) if (pattern.test(path)) return label;
  return 'u:object_r:rootfs:s0';
}

/** `u:object_r:TYPE:s0` (toybox chcon passes the string to setfilecon, which refuses what the policy does not know). */
export function isValidContext(context: string): boolean {
  return /^u:object_r:[a-z0-9_]+:s0(:c[0-9]+(,c[0-9]+)*)?$/.test(context);
}

/**
 * Labels an app may read a system CA store under. system_file is what the stock store carries on
 * Android 10-13 and what HTTP Toolkit relabels to (adb-commands.ts, commit 704d594 "Set Android
 * SELinux label on root cacerts dir too"); some Android 14 ROMs label the Conscrypt store
 * system_security_cacerts_file (httptoolkit/httptoolkit-android#18). A tmpfs label is not readable:
 * the app then fails with EACCES on the store (nccgroup/ConscryptTrustUserCerts#6), so all its TLS fails.
 */
export const APP_READABLE_SYSTEM_CA_LABELS: ReadonlySet<string> = new Set(['u:object_r:system_file:s0', 'u:object_r:system_security_cacerts_file:s0']);

/** The user store (/data/misc/user/0/cacerts-added) as installed by Settings or `cp` + restorecon. */
export const APP_READABLE_USER_CA_LABELS: ReadonlySet<string> = new Set(['u:object_r:misc_user_data_file:s0', 'u:object_r:user_cert_file:s0']);
