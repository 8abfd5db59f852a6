/**
 * The plain-text forms a canary travels in, before any encoding: an IMEI with and without its check
 * digit, a MAC with ':' '-' or no separators in either case, a phone number as E.164, with the
 * country code, national, with the trunk '0'... Encodings of each form are built in canaryVariants.ts.
 */
import { PhonehomeError } from '../errors.js';
import { MIN_KEYSTROKE_PREFIX } from './keystrokeCanaries.js';
import type { Canary, CanaryKind } from './types.js';

/** Kinds reported only as context on a finding (too little entropy to be evidence on their own). */
export const CONTEXT_KINDS: ReadonlySet<CanaryKind> = new Set<CanaryKind>(['model', 'android-release', 'carrier-name']);

/** Shortest value accepted as a canary: shorter strings occur by chance in traffic. */
export const MIN_CANARY_LENGTH = 6;

export interface CanaryForm {
  text: string;
  /** What this form is, when it is not the value as given (shown in evidence). */
  note?: string;
}

function digitsOf(value: string): string {
  return value.replace(/[\s\-().\u00a0]/g, '');
}

function fail(kind: CanaryKind, value: string, expected: string): never {
  throw new PhonehomeError(`canary ${kind} '${value}' is not ${expected}; fix the value (or pass it as a custom canary)`);
}

/** Luhn check digit for the 14-digit IMEI body. */
export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function imeiForms(value: string): CanaryForm[] {
  const d = digitsOf(value);
  if (!/^\d{14,16}$/.test(d)) fail('imei', value, 'an IMEI (14 or 15 digits, or a 16-digit IMEISV)');
  if (d.length === 16) return [{ text: d }, { text: d.slice(0, 14), note: 'IMEI without check digit' }];
  const body = d.slice(0, 14);
  const full = body + String(luhnCheckDigit(body));
  const forms: CanaryForm[] = [{ text: d.length === 15 ? d : full }, { text: body, note: 'IMEI without check digit' }];
  if (d.length === 15 && d !== full) forms.push({ text: full, note: 'IMEI with Luhn check digit' });
  return forms;
}

function meidForms(value: string): CanaryForm[] {
  const v = digitsOf(value);
  if (/^[0-9a-fA-F]{14}$/.test(v)) {
    // Decimal MEID: 10 digits of the 32-bit manufacturer code, 8 digits of the 24-bit serial.
    const dec = String(parseInt(v.slice(0, 8), 16)).padStart(10, '0') + String(parseInt(v.slice(8), 16)).padStart(8, '0');
    return uniqueForms([{ text: v.toUpperCase() }, { text: v.toLowerCase() }, { text: dec, note: 'MEID in decimal' }]);
  }
  if (/^\d{18}$/.test(v)) return [{ text: v }];
  return fail('meid', value, 'a MEID (14 hex digits or 18 decimal digits)');
}

function hexIdForms(kind: CanaryKind, value: string): CanaryForm[] {
  const v = value.trim();
  if (!/^[0-9a-fA-F]{8,16}$/.test(v)) fail(kind, value, 'an Android ID (8 to 16 hex digits)');
  return uniqueForms([{ text: v }, { text: v.toLowerCase() }, { text: v.toUpperCase() }]);
}

function macForms(value: string): CanaryForm[] {
  const hex = value.replace(/[:\-.\s]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) fail('wifi-mac', value, 'a MAC address (12 hex digits, with or without separators)');
  const forms: CanaryForm[] = [];
  for (const c of [hex.toLowerCase(), hex.toUpperCase()]) {
    const p = c.match(/../g)!;
    forms.push({ text: p.join(':') }, { text: p.join('-') }, { text: c });
  }
  return uniqueForms(forms);
}

/**
 * ITU country calling codes are prefix-free: 1 and 7 are one digit, the two-digit ones are listed,
 * every other code has three digits. That is all E.164 needs to split off the national number.
 */
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

export function splitCountryCode(international: string): { cc: string; national: string } {
  const first = international[0];
  const cc = first === '1' || first === '7' ? international.slice(0, 1) : TWO_DIGIT_CODES.has(international.slice(0, 2)) ? international.slice(0, 2) : international.slice(0, 3);
  return { cc, national: international.slice(cc.length) };
}

function phoneForms(kind: CanaryKind, value: string): CanaryForm[] {
  const v = digitsOf(value);
  if (!/^(\+|00)?\d{6,15}$/.test(v)) fail(kind, value, 'a phone number (E.164 like +8613800138000, or national digits)');
  const forms: CanaryForm[] = [];
  let international: string | undefined;
  if (v.startsWith('+')) international = v.slice(1);
  else if (v.startsWith('00')) international = v.slice(2);
  if (international === undefined) {
    forms.push({ text: v });
    if (!v.startsWith('0')) forms.push({ text: '0' + v, note: 'with trunk prefix 0' });
    else forms.push({ text: v.slice(1), note: 'without trunk prefix 0' });
    return forms;
  }
  const { cc, national } = splitCountryCode(international);
  forms.push({ text: '+' + international, note: 'E.164' });
  forms.push({ text: international, note: 'country code and number' });
  forms.push({ text: '00' + international, note: 'with 00 prefix' });
  if (national.length >= MIN_CANARY_LENGTH) {
    forms.push({ text: national, note: `national (country code ${cc})` });
    if (!national.startsWith('0')) forms.push({ text: '0' + national, note: 'national with trunk prefix 0' });
  }
  return uniqueForms(forms);
}

function uniqueForms(forms: CanaryForm[]): CanaryForm[] {
  const seen = new Set<string>();
  return forms.filter((f) => (seen.has(f.text) ? false : (seen.add(f.text), true)));
}

/** Forms of a canary, the value as given first. Throws PhonehomeError for a malformed identifier. */
export function canaryForms(canary: Canary): CanaryForm[] {
  const value = canary.value;
  if (typeof value !== 'string' || value.trim() === '') throw new PhonehomeError(`canary ${canary.kind} has an empty value; give it a value or drop it`);
  switch (canary.kind) {
    case 'imei':
      return imeiForms(value);
    case 'meid':
      return meidForms(value);
    case 'android-id':
      return hexIdForms('android-id', value);
    case 'wifi-mac':
      return macForms(value);
    case 'phone-number':
    case 'contact-number':
    case 'sms-sender':
      return phoneForms(canary.kind, value);
    case 'imsi': {
      const d = digitsOf(value);
      if (!/^\d{14,15}$/.test(d)) fail('imsi', value, 'an IMSI (14 or 15 digits)');
      return [{ text: d }];
    }
    case 'serial':
      if (value.trim().length < MIN_CANARY_LENGTH) fail('serial', value, `a serial of at least ${MIN_CANARY_LENGTH} characters`);
      return uniqueForms([{ text: value.trim() }, { text: value.trim().toUpperCase() }, { text: value.trim().toLowerCase() }]);
    case 'model':
    case 'android-release':
    case 'carrier-name':
      return [{ text: value.trim() }];
    case 'search-term':
      if (value.length < MIN_CANARY_LENGTH) fail(canary.kind, value, `at least ${MIN_CANARY_LENGTH} characters long (shorter values match by chance)`);
      // Search boxes and engines often lower-case the query.
      return uniqueForms([{ text: value }, { text: value.toLowerCase(), note: 'lower case' }]);
    case 'keystroke-prefix': {
      if (value.length < MIN_KEYSTROKE_PREFIX) fail(canary.kind, value, `at least ${MIN_KEYSTROKE_PREFIX} characters long (the matcher's shortest pattern)`);
      const typed = canary.typed;
      if (typed !== undefined && !typed.startsWith(value)) fail(canary.kind, value, `a prefix of the typed text '${typed}'`);
      const note = typed === undefined ? 'keystroke prefix' : `keystroke prefix ${value.length}/${typed.length} of '${typed}'`;
      return uniqueForms([{ text: value, note }, { text: value.toLowerCase(), note: `${note}, lower case` }]);
    }
    case 'visit-url':
    case 'visit-token':
    case 'screen-name':
    case 'custom':
      if (value.length < MIN_CANARY_LENGTH) fail(canary.kind, value, `at least ${MIN_CANARY_LENGTH} characters long (shorter values match by chance)`);
      return [{ text: value }];
    default:
      return fail(canary.kind, value, 'of a known canary kind');
  }
}
