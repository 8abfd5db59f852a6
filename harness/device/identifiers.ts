import type { Canary, CanaryKind } from '../visit.js';
import type { AdbDevice } from './adbDevice.js';
import { parseParcelString } from './parcel.js';
import { subinfoCodes, subinfoCommand } from './subinfoCodes.js';
import type { IdentifierName, IdentifierReading, Identifiers } from './types.js';

/**
 * Device identifiers read over ADB: the canaries detect/ looks for. Each is a normalised value or
 * `{ unavailable: reason }` when the phone refuses or has none — never a guess.
 */
export async function readIdentifiers(device: AdbDevice, props?: Record<string, string>): Promise<Identifiers> {
  const p = props ?? (await device.getProperties());
  const sdk = Number(p['ro.build.version.sdk']);
  const codes = subinfoCodes(Number.isFinite(sdk) && sdk > 0 ? sdk : 29);
  const call = (code: number) => settle(device.shell(subinfoCommand(code, codes)));
  const [imeiOut, line1Out, imsiOut, androidIdOut, macOut] = await Promise.all([
    call(codes.imei),
    call(codes.line1),
    call(codes.imsi),
    settle(device.shell('settings get secure android_id')),
    settle(device.shell('cat /sys/class/net/wlan0/address 2>/dev/null || ip link show wlan0')),
  ]);
  return {
    imei: fromParcel(imeiOut, normaliseImei),
    phoneNumber: fromParcel(line1Out, normalisePhoneNumber),
    imsi: fromParcel(imsiOut, normaliseImsi),
    androidId: fromText(androidIdOut, normaliseAndroidId),
    serial: normaliseSerial(p['ro.serialno'] || p['ro.boot.serialno'] || ''),
    wifiMac: fromText(macOut, normaliseWifiMac),
    model: p['ro.product.model'] ? { value: p['ro.product.model'].trim() } : { unavailable: 'ro.product.model is not set' },
    release: p['ro.build.version.release'] ? { value: p['ro.build.version.release'].trim() } : { unavailable: 'ro.build.version.release is not set' },
  };
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

export function normaliseImei(raw: string): IdentifierReading {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{14,16}$/.test(digits)) return { unavailable: `not an IMEI: '${clip(raw)}'` };
  return { value: digits };
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
};

/** The identifiers that were read, as canaries for detect/ (unavailable ones are left out). */
export function identifierCanaries(identifiers: Partial<Identifiers>, device: string): Canary[] {
  const out: Canary[] = [];
  for (const [name, reading] of Object.entries(identifiers) as Array<[IdentifierName, IdentifierReading]>) {
    if (reading && 'value' in reading) out.push({ kind: CANARY_KIND[name], value: reading.value, device });
  }
  return out;
}

function clip(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
