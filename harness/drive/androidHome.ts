import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';

export interface AndroidHomeOptions {
  /** The adb to use; default PHONEHOME_ADB, else `adb` on PATH. */
  adbBin?: string;
  /** Where to build the minimal SDK; default a per-adb folder in the OS temp dir (never in git). */
  dir?: string;
  /** Use the user's own ANDROID_HOME / ANDROID_SDK_ROOT when it has platform-tools/adb (default true). */
  preferUserSdk?: boolean;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The adb binary: an explicit path, PHONEHOME_ADB, or the first `adb` on PATH. */
export function resolveAdbBinary(adbBin?: string): string {
  const wanted = adbBin ?? process.env.PHONEHOME_ADB ?? 'adb';
  if (wanted.includes(path.sep)) {
    if (!isExecutable(wanted)) throw new PhonehomeError(`adb '${wanted}' is not an executable file; fix PHONEHOME_ADB or install adb with 'phonehome doctor --install'`);
    return path.resolve(wanted);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', wanted);
    if (isExecutable(candidate)) return path.resolve(candidate);
  }
  throw new PhonehomeError(`'${wanted}' was not found on PATH; install adb with 'phonehome doctor --install' or set PHONEHOME_ADB to its path`);
}

/** A user SDK usable as is: a folder with platform-tools/adb. */
function userSdk(): string | null {
  for (const value of [process.env.ANDROID_HOME, process.env.ANDROID_SDK_ROOT]) {
    if (value && isExecutable(path.join(value, 'platform-tools', 'adb'))) return value;
  }
  return null;
}

function linkTarget(link: string): string | null {
  try {
    return fs.readlinkSync(link);
  } catch {
    return null;
  }
}

/**
 * An ANDROID_HOME Appium accepts when the user has no Android SDK: `platform-tools/adb` links to
 * the system adb and `build-tools/` is empty (appium-adb only needs build tools for APK work,
 * which sessions with skipServerInstallation/skipDeviceInitialization never do). Built atomically,
 * so concurrent runs share one folder safely. Returns its path.
 */
export function ensureAndroidHome(options: AndroidHomeOptions = {}): string {
  if (options.preferUserSdk !== false && !options.adbBin && !options.dir) {
    const sdk = userSdk();
    if (sdk) return sdk;
  }
  const adb = resolveAdbBinary(options.adbBin);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.resolve(options.dir ?? path.join(os.tmpdir(), `phonehome-android-home-${uid}-${createHash('sha1').update(adb).digest('hex').slice(0, 8)}`));
  const link = path.join(dir, 'platform-tools', 'adb');
  if (linkTarget(link) === adb && fs.existsSync(path.join(dir, 'build-tools'))) return dir;

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    fs.mkdirSync(path.join(staging, 'platform-tools'));
    fs.mkdirSync(path.join(staging, 'build-tools'));
    fs.symlinkSync(adb, path.join(staging, 'platform-tools', 'adb'));
    try {
      fs.renameSync(staging, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Someone else made it (or an old one points elsewhere): swap just the link, atomically.
      fs.mkdirSync(path.join(dir, 'platform-tools'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'build-tools'), { recursive: true });
      if (linkTarget(link) !== adb) fs.renameSync(path.join(staging, 'platform-tools', 'adb'), link);
    }
  } catch (error) {
    throw new PhonehomeError(`could not prepare ANDROID_HOME for Appium in '${dir}': ${(error as Error).message}; set ANDROID_HOME to an Android SDK instead`, { cause: error });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}
