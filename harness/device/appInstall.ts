import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import type { AdbDevice } from './adbDevice.js';
import { readAppVersions } from './health.js';
import { installFix, isXiaomi } from './phoneFixes.js';

/** One browser's APK(s) from devices.json `apps`, with what the browser profile expects. */
export interface AppInstallSpec {
  /** Browser profile name (the devices.json `apps` key). */
  browser: string;
  /** The APK, or base + split APKs (installed together with install-multiple). */
  files: string[];
  /** The packages the profile drives, the entry's `packages` override first: the APK must be one of them. */
  packages: string[];
  /** versionNames the profile was written for (its `writtenFor`); absent or empty: not checked. */
  expectedVersions?: string[];
}

export interface InstalledApp {
  browser: string;
  package: string;
  files: Array<{ path: string; sha256: string }>;
  versionName: string;
  /** versionName installed before (replaced by -r), null when the app was not there. */
  replaced: string | null;
}

/** What a browser profile says of its app: its packages (override first) and the versions it is written for. */
export type AppResolver = (browser: string) => { packages: string[]; expectedVersions?: string[] } | undefined;

/** devices.json `apps` → install specs; paths relative to the devices.json folder. */
export function appSpecs(apps: Record<string, string | string[]> | undefined, baseDir: string, resolve: AppResolver, device = 'device'): AppInstallSpec[] {
  return Object.entries(apps ?? {}).map(([browser, value]) => {
    const profile = resolve(browser);
    if (!profile) throw new PhonehomeError(`devices.json: device '${device}': field 'apps.${browser}' names no browser profile; use a profile name as the key (the browsers phonehome drives)`);
    const files = (Array.isArray(value) ? value : [value]).map((f) => path.resolve(baseDir, f));
    return { browser, files, packages: profile.packages, expectedVersions: profile.expectedVersions };
  });
}

/**
 * Installs each browser's APKs (`adb install -r -g`, split APKs with install-multiple), then checks
 * the installed package and versionName against the profile; records each file's sha256. A refusal
 * or a version that is not the profile's is an error naming the browser, the file and the fix.
 */
export async function installApps(device: AdbDevice, specs: AppInstallSpec[], props: Record<string, string>): Promise<InstalledApp[]> {
  const out: InstalledApp[] = [];
  for (const spec of specs) {
    const files: InstalledApp['files'] = [];
    for (const file of spec.files) {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new PhonehomeError(`apps step failed on ${device.serial}: ${spec.browser}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); fix the path in devices.json 'apps'`);
      }
      files.push({ path: file, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    const before = await readAppVersions(device, spec.packages);
    try {
      await device.install(spec.files);
    } catch (error) {
      const message = (error as Error).message;
      const fix = /USER_RESTRICTED/.test(message) ? installFix(isXiaomi(props)) : 'check the APK (adb install prints why)';
      throw new PhonehomeError(`apps step failed on ${device.serial}: installing ${spec.browser} (${spec.files.map((f) => path.basename(f)).join(', ')}): ${message.split('\n')[0]}; ${fix}`, { cause: error });
    }
    // The installed one of the profile's packages: a new one, else one whose version or code changed, else the first.
    const after = await readAppVersions(device, spec.packages);
    const changed = after.find((a) => !before.some((b) => b.package === a.package && b.version === a.version && b.versionCode === a.versionCode));
    const now = changed ?? after[0];
    if (!now) {
      throw new PhonehomeError(`apps step failed on ${device.serial}: ${spec.browser}: ${spec.files.map((f) => path.basename(f)).join(', ')} installed, but none of ${spec.packages.join(', ')} is on the phone (the APK is another app); fix devices.json 'apps' or 'packages'`);
    }
    const wanted = spec.expectedVersions ?? [];
    if (wanted.length > 0 && !wanted.includes(now.version)) {
      throw new PhonehomeError(`apps step failed on ${device.serial}: ${spec.browser}: installed ${now.package} ${now.version}, but the profile is written for ${wanted.join(' or ')}; use an APK of ${wanted.join(' or ')} in devices.json 'apps'`);
    }
    out.push({ browser: spec.browser, package: now.package, files, versionName: now.version, replaced: before.find((b) => b.package === now.package)?.version ?? null });
  }
  return out;
}
