import { PhonehomeError } from '../errors.js';

/** `services: [[PhonehomeService, options]]` in a user's wdio.conf.ts. */
export interface PhonehomeServiceOptions {
  /** devices.json with the phone (default: $PHONEHOME_DEVICES, else the package's devices.json). */
  devicesFile?: string;
  /** Its entry to rig (default: the file's `default`). */
  device?: string;
  /**
   * Port of the adb server the phone is on and the user's Appium uses (default:
   * $ANDROID_ADB_SERVER_PORT, else 5037 — adb's own default).
   */
  adbPort?: number;
  /** Reports root; the run folder is <out>/<run-id> and <out>/latest points at it (default `reports`). */
  out?: string;
  /** Suite name in the report (default `wdio`). */
  suite?: string;
}

const KNOWN = new Set(['devicesFile', 'device', 'adbPort', 'out', 'suite']);

/** Checks the options a user wrote in wdio.conf.ts; a mistake is one line naming the option and the fix. */
export function checkServiceOptions(options: unknown): PhonehomeServiceOptions {
  const where = 'wdio.conf services: PhonehomeService options';
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new PhonehomeError(`${where}: must be an object like { device: 'redmi-note-8' }, got ${JSON.stringify(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new PhonehomeError(`${where}: unknown option '${key}' (known: ${[...KNOWN].join(', ')})`);
  }
  for (const key of ['devicesFile', 'device', 'out', 'suite'] as const) {
    if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === '')) throw new PhonehomeError(`${where}: '${key}' must be a non-empty string, got ${JSON.stringify(o[key])}`);
  }
  if (o.adbPort !== undefined && (!Number.isInteger(o.adbPort) || (o.adbPort as number) < 1 || (o.adbPort as number) > 65535)) {
    throw new PhonehomeError(`${where}: 'adbPort' must be a port number 1-65535, got ${JSON.stringify(o.adbPort)}`);
  }
  return o as PhonehomeServiceOptions;
}
