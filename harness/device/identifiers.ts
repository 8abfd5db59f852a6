import type { Canary, CanaryKind } from '../visit.js';
import type { AdbDevice } from './adbDevice.js';
import { parseParcelString } from './parcel.js';
import { detectRoot, type RootAccess } from './rootAccess.js';
import { PER_APP_ANDROID_ID_SDK, readAppAndroidIds, UNAVAILABLE_FOR_APPS } from './ssaid.js';
import { subinfoCodes, subinfoCommand } from './subinfoCodes.js';
import type { IdentifierName, IdentifierReading, Identifiers } from './types.js';

export interface ReadIdentifiersOptions {
  /** The browsers' packages: their own ANDROID_IDs are read (Android 8+, root only). */
  packages?: string[];
  /** Root access as already detected (else detected here when packages are given). */
  root?: RootAccess;
  /** The current Android user (MIUI Second space); default 0. */
  user?: number;
}

/**
 * On Android 10+ wlan0 carries the current network's randomised MAC (macRandomizationSetting 1:
 * sysfs addr_assign_type 3, `dumpsys wifi` mRandomizedMacAddress; sim/EVIDENCE.md "Wi-Fi MAC"), and
 * apps read 02:00:00:00:00:00 (WifiInfo since Android 6): the value read is what that network sees,
 * never what an app can send.
 */
export const MAC_NOTE = 'not visible to apps: on Android 10+ this is the current network\'s randomised MAC (apps read 02:00:00:00:00:00)';

/**
 * Device identifiers read over ADB: the canaries detect/ looks for. Each is a normalised value or
 * `{ unavailable: reason }` when the phone refuses or has none — never a guess.
 */
export async function readIdentifiers(device: AdbDevice, props?: Record<string, string>, options: ReadIdentifiersOptions = {}): Promise<Identifiers> {
  const p = props ?? (await device.getProperties());
  const sdkNumber = Number(p['ro.build.version.sdk']);
  const sdk = Number.isFinite(sdkNumber) && sdkNumber > 0 ? sdkNumber : 29;
  const codes = subinfoCodes(sdk);
  const call = (code: number) => settle(device.shell(subinfoCommand(code, codes)));
  const [imeiOut, line1Outs, imsiOut, androidIdOut, macOut] = await Promise.all([
    call(codes.imei),
    Promise.all(codes.line1Candidates.map(call)),
    call(codes.imsi),
    settle(device.shell('settings get secure android_id')),
    settle(device.shell('cat /sys/class/net/wlan0/address 2>/dev/null || ip link show wlan0')),
  ]);
  // Where the release's table is not certain, the first candidate that reads as a phone number wins.
  const line1 = line1Outs.map((out) => fromParcel(out, normalisePhoneNumber)).find((r) => 'value' in r) ?? fromParcel(line1Outs[0]!, normalisePhoneNumber);
  const mac = fromText(macOut, normaliseWifiMac);
  return {
    imei: fromParcel(imeiOut, normaliseImei),
    phoneNumber: line1,
    imsi: fromParcel(imsiOut, normaliseImsi),
    androidId: sdk >= PER_APP_ANDROID_ID_SDK ? await appAndroidId(device, p, sdk, options) : fromText(androidIdOut, normaliseAndroidId),
    serial: normaliseSerial(p['ro.serialno'] || p['ro.boot.serialno'] || ''),
    wifiMac: 'value' in mac && sdk >= 29 ? { ...mac, note: MAC_NOTE } : mac,
    model: p['ro.product.model'] ? { value: p['ro.product.model'].trim() } : { unavailable: 'ro.product.model is not set' },
    release: p['ro.build.version.release'] ? { value: p['ro.build.version.release'].trim() } : { unavailable: 'ro.build.version.release is not set' },
    carrier: carrierName(p),
  };
}

/** Android 8+: the browsers' own SSAIDs with root, else unavailable with the reason (never the shell's value). */
async function appAndroidId(device: AdbDevice, props: Record<string, string>, sdk: number, options: ReadIdentifiersOptions): Promise<IdentifierReading> {
  const packages = [...new Set(options.packages ?? [])];
  if (packages.length === 0) return { unavailable: `${UNAVAILABLE_FOR_APPS} (no browser package was given to look up)` };
  const root = options.root ?? (await detectRoot(device, props));
  const form = root.method === 'adbd' || root.method === 'su' ? root.form : undefined;
  if (form === undefined) return { unavailable: `${UNAVAILABLE_FOR_APPS} (${root.detail})` };
  const readings = await readAppAndroidIds(device, form, options.user ?? 0, sdk, packages).catch((error: Error) => ({ error: error.message }));
  if ('error' in readings) return { unavailable: `${UNAVAILABLE_FOR_APPS} (${String(readings.error)})` };
  const apps = Object.fromEntries(Object.entries(readings).flatMap(([pkg, r]) => ('value' in r ? [[pkg, r.value]] : [])));
  const first = Object.values(apps)[0];
  if (first === undefined) return { unavailable: Object.values(readings).map((r) => ('unavailable' in r ? r.unavailable : '')).filter(Boolean)[0] ?? UNAVAILABLE_FOR_APPS };
  return { value: first, apps };
}

type Settled = { ok: true; text: string } | { ok: false; reason: string };

async function settle(work: Promise<string>): Promise<Settled> {
  try {
    return { ok: true, text: await work };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function fromParcel(out: Settled, normalise: (value: string) => IdentifierReading): IdentifierReading {
  if (!out.ok) return { unavailable: out.reason };
  const parsed = parseParcelString(out.text);
  if (!parsed.ok) return { unavailable: parsed.reason };
  if (parsed.value === null || parsed.value.trim() === '') return { unavailable: 'the phone returned no value (no SIM, or not a GSM phone)' };
  return normalise(parsed.value);
}

function fromText(out: Settled, normalise: (value: string) => IdentifierReading): IdentifierReading {
  if (!out.ok) return { unavailable: out.reason };
  return normalise(out.text);
}

/**
 * An IMEI is 14 digits and a Luhn check digit (3GPP TS 23.003 §6.2.1): a 15-digit reply that fails
 * the check is another getter's answer (a wrong transaction code), not an IMEI.
 */
export function normaliseImei(raw: string): IdentifierReading {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{15}$/.test(digits)) return { unavailable: `not an IMEI (15 digits): '${clip(raw)}'` };
  if (!luhnValid(digits)) return { unavailable: `not an IMEI: '${digits}' fails the Luhn check (the transaction code may answer another getter on this release)` };
  return { value: digits };
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function normaliseImsi(raw: string): IdentifierReading {
  const digits = raw.replace(/\s/g, '');
  if (!/^\d{6,15}$/.test(digits)) return { unavailable: `not an IMSI: '${clip(raw)}'` };
  return { value: digits };
}

/** Keeps a leading + and the digits; separators go (apps send the number in many spellings). */
export function normalisePhoneNumber(raw: string): IdentifierReading {
  const trimmed = raw.trim();
  const value = (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/[^\d]/g, '');
  if (!/^\+?\d{3,17}$/.test(value) || /[^\d\s+().-]/.test(trimmed)) return { unavailable: `not a phone number: '${clip(raw)}'` };
  return { value };
}

export function normaliseAndroidId(raw: string): IdentifierReading {
  const text = raw.trim().toLowerCase();
  if (text === '' || text === 'null') return { unavailable: 'settings secure android_id is not set' };
  if (!/^[0-9a-f]{1,16}$/.test(text)) return { unavailable: `not an Android ID: '${clip(raw)}'` };
  return { value: text };
}

export function normaliseSerial(raw: string): IdentifierReading {
  const text = raw.trim();
  if (text === '' || text.toLowerCase() === 'unknown') return { unavailable: 'ro.serialno is not set (Android 8+ hides it from the shell on some builds)' };
  return { value: text };
}

/** `02:00:00:00:00:00` is what Android 6+ reports when it hides the MAC: not an identifier. */
export function normaliseWifiMac(raw: string): IdentifierReading {
  const match = /([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})/.exec(raw);
  if (!match) return { unavailable: raw.trim() === '' ? 'no wlan0 interface' : `no MAC address in '${clip(raw)}'` };
  const mac = match[1].toLowerCase();
  if (mac === '02:00:00:00:00:00' || mac === '00:00:00:00:00:00') return { unavailable: `the phone hides its Wi-Fi MAC (reports ${mac})` };
  return { value: mac };
}

const CANARY_KIND: Record<IdentifierName, CanaryKind> = {
  imei: 'imei',
  phoneNumber: 'phone-number',
  androidId: 'android-id',
  serial: 'serial',
  wifiMac: 'wifi-mac',
  model: 'model',
  release: 'android-release',
  imsi: 'imsi',
  carrier: 'carrier-name',
};

/** The identifiers that were read, as canaries for detect/ (unavailable ones are left out). */
export function identifierCanaries(identifiers: Partial<Identifiers>, device: string): Canary[] {
  const out: Canary[] = [];
  for (const [name, reading] of Object.entries(identifiers) as Array<[IdentifierName, IdentifierReading]>) {
    if (!reading || !('value' in reading)) continue;
    // Per-app values (ANDROID_ID on Android 8+) are each a canary.
    const values = new Set([reading.value, ...Object.values(reading.apps ?? {})]);
    for (const value of values) out.push({ kind: CANARY_KIND[name], value, device });
  }
  return out;
}

function clip(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/**
 * The carrier's name as the phone shows it: `gsm.operator.alpha`, which the telephony framework
 * sets from the network (AOSP TelephonyProperties.PROPERTY_OPERATOR_ALPHA, android-4.3_r1; multi-SIM
 * phones list one per slot, comma-separated: the first is taken). Low entropy: context only.
 */
export function carrierName(props: Record<string, string>): IdentifierReading {
  const first = (props['gsm.operator.alpha'] ?? '').split(',')[0]!.trim();
  return first ? { value: first } : { unavailable: 'gsm.operator.alpha is not set (no SIM, or no network)' };
}
