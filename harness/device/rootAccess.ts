import type { AdbDevice } from './adbDevice.js';
import { shellQuote } from './shellQuote.js';
import { delay } from './withTimeout.js';

/**
 * How the harness can run commands as root on a phone:
 * - 'adbd': adbd already runs as root (emulators after `adb root`, eng builds);
 * - 'su': a su binary grants uid 0 to the shell (Magisk and similar);
 * - 'adb-root': a debuggable build where `adb root` would restart adbd as root;
 * - 'none': a retail phone: user CA store only.
 */
export type RootMethod = 'adbd' | 'su' | 'adb-root' | 'none';

export interface RootAccess {
  method: RootMethod;
  /** One line for `phonehome devices` and provisioning logs. */
  detail: string;
}

/** Finds out without changing anything on the phone. */
export async function detectRoot(device: AdbDevice, props: Record<string, string>): Promise<RootAccess> {
  const id = await device.shell('id').catch(() => '');
  if (/uid=0\(/.test(id)) return { method: 'adbd', detail: 'adbd runs as root' };
  const su = await device.shell(`su -c id 2>/dev/null || su 0 id 2>/dev/null`, { timeoutMs: Math.min(device.timeoutMs, 5000) }).catch(() => '');
  if (/uid=0\(/.test(su)) return { method: 'su', detail: 'su grants root' };
  if (props['ro.debuggable'] === '1' || (props['ro.build.type'] ?? 'user') !== 'user') {
    return { method: 'adb-root', detail: `debuggable ${props['ro.build.type'] ?? ''} build: adb root`.replace('  ', ' ') };
  }
  return { method: 'none', detail: `retail ${props['ro.build.type'] ?? 'user'} build without su` };
}

/** Wraps a command so it runs as root with the given method ('adbd' and 'adb-root' after rooting: as is). */
export function asRoot(method: RootMethod, command: string): string {
  return method === 'su' ? `su -c ${shellQuote(command)}` : command;
}

/**
 * `adb root` and wait for the phone to come back; returns false when adbd stays unprivileged
 * (production builds answer "adbd cannot run as root in production builds").
 */
export async function restartAdbdAsRoot(device: AdbDevice, waitForPhone: () => Promise<void>): Promise<boolean> {
  const restarted = await device.root();
  if (!restarted) return false;
  for (let attempt = 0; attempt < 40; attempt++) {
    await delay(250);
    try {
      await waitForPhone();
      if (/uid=0\(/.test(await device.shell('id', { timeoutMs: 2000 }))) return true;
    } catch {
      // adbd is restarting; keep waiting (bounded by the loop).
    }
  }
  return false;
}

