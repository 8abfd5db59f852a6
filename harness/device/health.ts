import { installedForUser } from './androidUser.js';
import type { AdbDevice } from './adbDevice.js';
import { detectRoot, type RootAccess } from './rootAccess.js';

export interface AppVersion {
  package: string;
  version: string;
  versionCode?: number;
}

/** What `phonehome devices` shows per phone; each field is undefined when the phone did not say. */
export interface DeviceHealth {
  model?: string;
  manufacturer?: string;
  release?: string;
  sdk?: number;
  miuiVersion?: string;
  root: RootAccess;
  bootCompleted: boolean;
  screenOn?: boolean;
  battery?: { level: number; charging: boolean };
  freeStorageBytes?: number;
  /** Installed apps among those asked about (the browser profiles' packages). */
  apps: AppVersion[];
  /** `settings get global http_proxy`; null when unset. */
  httpProxy: string | null;
  ca: { userCertificates: number | null; systemStoreOverlaid: boolean | null };
}

/** Reads a phone's state. Every probe is independent: one that fails leaves its field undefined. */
export async function readHealth(device: AdbDevice, options: { packages?: string[]; props?: Record<string, string>; user?: number } = {}): Promise<DeviceHealth> {
  const props = options.props ?? (await device.getProperties());
  const quiet = (command: string) => device.shell(command).catch(() => '');
  const [root, battery, power, df, proxy, userCas, mounts, apps] = await Promise.all([
    detectRoot(device, props),
    quiet('dumpsys battery'),
    quiet('dumpsys power'),
    quiet('df /data'),
    quiet('settings get global http_proxy'),
    quiet(`ls /data/misc/user/${options.user ?? 0}/cacerts-added 2>&1`),
    quiet('cat /proc/mounts'),
    readAppVersions(device, options.packages ?? [], options.user),
  ]);
  const sdk = Number(props['ro.build.version.sdk']);
  return {
    model: props['ro.product.model'] || undefined,
    manufacturer: props['ro.product.manufacturer'] || undefined,
    release: props['ro.build.version.release'] || undefined,
    sdk: Number.isFinite(sdk) && sdk > 0 ? sdk : undefined,
    miuiVersion: props['ro.miui.ui.version.name'] || undefined,
    root,
    bootCompleted: props['sys.boot_completed'] === '1',
    screenOn: parseScreenOn(power),
    battery: parseBattery(battery),
    freeStorageBytes: parseDfAvailable(df),
    apps,
    httpProxy: parseProxySetting(proxy),
    ca: {
      userCertificates: countListing(userCas),
      systemStoreOverlaid: mounts.trim() === '' ? null : /\s\/(system\/etc\/security|apex\/com\.android\.conscrypt)\/cacerts\s/.test(mounts),
    },
  };
}

/**
 * versionName/versionCode of each installed package (`dumpsys package P`); absent ones are left out,
 * and so are packages not installed for `user` when one is given (MIUI Second space: user 10).
 */
export async function readAppVersions(device: AdbDevice, packages: string[], user?: number): Promise<AppVersion[]> {
  const unique = [...new Set(packages)];
  const out = await Promise.all(unique.map(async (pkg): Promise<AppVersion | undefined> => {
    const text = await device.shell(`dumpsys package ${pkg}`).catch(() => '');
    if (!text.includes(`Package [${pkg}]`)) return undefined;
    if (user !== undefined && !installedForUser(text, user)) return undefined;
    const version = /versionName=(\S+)/.exec(text)?.[1];
    const code = /versionCode=(\d+)/.exec(text)?.[1];
    return version ? { package: pkg, version, versionCode: code ? Number(code) : undefined } : undefined;
  }));
  return out.filter((a): a is AppVersion => a !== undefined);
}

export function parseProxySetting(text: string): string | null {
  const value = text.trim();
  return value === '' || value === 'null' || value === ':0' ? null : value;
}

export function parseBattery(text: string): DeviceHealth['battery'] {
  const level = /^\s*level:\s*(\d+)/m.exec(text)?.[1];
  if (level === undefined) return undefined;
  const charging = /^\s*(AC|USB|Wireless) powered:\s*true/m.test(text) || /^\s*status:\s*2\s*$/m.test(text);
  return { level: Number(level), charging };
}

export function parseScreenOn(text: string): boolean | undefined {
  const wake = /mWakefulness=(\w+)/.exec(text)?.[1];
  if (wake) return wake === 'Awake';
  const display = /Display Power: state=(\w+)/.exec(text)?.[1];
  if (display) return display === 'ON';
  return undefined;
}

/** Available bytes of the first data row of `df` (1K blocks, toybox and busybox layouts). */
export function parseDfAvailable(text: string): number | undefined {
  const lines = text.trim().split('\n');
  if (lines.length < 2) return undefined;
  const header = lines[0].split(/\s+/);
  const row = lines[1].trim().split(/\s+/);
  const index = header.findIndex((h) => /^avail/i.test(h));
  if (index < 0 || row[index] === undefined) return undefined;
  const raw = row[index];
  const unit = /^([\d.]+)([KMGT]?)$/i.exec(raw);
  if (!unit) return undefined;
  const scale = unit[2] ? 1024 ** ('KMGT'.indexOf(unit[2].toUpperCase()) + 1) : 1024; // bare numbers are 1K blocks
  return Math.round(Number(unit[1]) * scale);
}

/** Entries of an `ls` listing; null when the folder could not be listed (no permission, absent). */
export function countListing(text: string): number | null {
  if (/No such file|Permission denied|not permitted/i.test(text)) return null;
  return text.split(/\s+/).filter((name) => /^[0-9a-f]{8}\.\d+$/.test(name)).length;
}
