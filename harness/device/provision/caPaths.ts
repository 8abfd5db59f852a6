import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { asRoot, type RootForm } from '../rootAccess.js';

export const SYSTEM_CA_DIR = '/system/etc/security/cacerts';
/** Android 14+ reads CAs from the Conscrypt APEX (HTTP Toolkit's adb-commands.ts, commit 965fd8d). */
export const APEX_CA_DIR = '/apex/com.android.conscrypt/cacerts';

/** The user CA store of Android user N (MIUI Second space and work profiles are not user 0). */
export function userCaDir(user: number): string {
  return `/data/misc/user/${user}/cacerts-added`;
}

/**
 * The SELinux context of a file or folder (`ls -Zd`, toybox prints "CONTEXT NAME"), or null when
 * the phone shows none ('?' without SELinux). A path that cannot be listed is an error.
 */
export async function readLabel(device: AdbDevice, form: RootForm | undefined, path: string, _isDir: boolean): Promise<string | null> {
  const out = await device.shell(asRoot(form, `ls -Zd ${path} 2>&1`));
  if (/No such file|Permission denied|not permitted/i.test(out)) {
    throw new PhonehomeError(`${device.serial}: cannot read the SELinux context of ${path}: ${out.trim().split('\n')[0]}`);
  }
  return parseLabel(out);
}

/** The first SELinux context (user:role:type:level) in an `ls -Z` line. */
export function parseLabel(text: string): string | null {
  for (const token of text.split(/\s+/)) {
    if (/^[a-z_]+:[a-z_]+:[A-Za-z0-9_]+:s\d+(?:[-:,.][A-Za-z0-9.,:-]*)?$/.test(token)) return token;
  }
  return null;
}
