/**
 * Where canaries come from, validated with errors that name the file, line and field:
 *  - visit-start markers: `data` is the Visit record (t1 may be absent: the visit-end marker's time is used);
 *  - a visits file: JSON Lines, one Visit per line;
 *  - device identifiers: a `note` marker `{ data: { note: 'device-identifiers', device, identifiers } }`,
 *    or a JSON file holding `{ device?, identifiers }` or the identifiers object itself, where each
 *    identifier (imei, phoneNumber, androidId, serial, wifiMac, imsi, model, release) is a string,
 *    `{ value }` or `{ unavailable }` (skipped) — the shape harness/device reads;
 *  - the command line: `--canary [KIND:]VALUE`.
 */
import { readFile } from 'node:fs/promises';
import type { Marker } from '../capture/types.js';
import type { IdentifierName } from '../device/types.js';
import { PhonehomeError } from '../errors.js';
import { MIN_KEYSTROKE_PREFIX } from './keystrokeCanaries.js';
import type { Canary, CanaryKind, Visit } from './types.js';

export const DEVICE_IDENTIFIERS_NOTE = 'device-identifiers';

const IDENTIFIER_KINDS: Record<IdentifierName, CanaryKind> = {
  imei: 'imei',
  phoneNumber: 'phone-number',
  androidId: 'android-id',
  serial: 'serial',
  wifiMac: 'wifi-mac',
  imsi: 'imsi',
  model: 'model',
  release: 'android-release',
  carrier: 'carrier-name',
};

export const CANARY_KINDS: readonly CanaryKind[] = [
  'visit-token', 'visit-url', 'search-term', 'keystroke-prefix', 'imei', 'meid', 'android-id', 'serial', 'phone-number',
  'wifi-mac', 'contact-number', 'sms-sender', 'imsi', 'model', 'android-release', 'carrier-name', 'screen-name', 'custom',
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a Visit record; `where` names its origin ('visits.jsonl line 3'). */
export function validateVisit(value: unknown, where: string): Visit {
  if (!isRecord(value)) throw new PhonehomeError(`${where}: a visit must be a JSON object {id, device, browser, mode, url, canaries, t0, t1}`);
  const need = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new PhonehomeError(`${where}: visit field '${field}' must be ${what}`);
  };
  need('id', typeof value.id === 'string' && value.id !== '', 'a non-empty string');
  need('url', typeof value.url === 'string', 'a string (the visited URL)');
  need('t0', typeof value.t0 === 'number' && Number.isFinite(value.t0), 'a time in ms since epoch');
  need('t1', typeof value.t1 === 'number' && Number.isFinite(value.t1) && (value.t1 as number) >= (value.t0 as number), 'a time in ms since epoch, not before t0');
  need('canaries', Array.isArray(value.canaries), 'an array of {kind, value}');
  if (value.searchTerms !== undefined) need('searchTerms', Array.isArray(value.searchTerms) && value.searchTerms.every((t) => typeof t === 'string'), 'an array of strings');
  if (value.typedLetterByLetter !== undefined) need('typedLetterByLetter', Array.isArray(value.typedLetterByLetter) && value.typedLetterByLetter.every((t) => typeof t === 'string'), 'an array of strings');
  if (value.keystrokeMinLength !== undefined) need('keystrokeMinLength', Number.isInteger(value.keystrokeMinLength) && (value.keystrokeMinLength as number) >= MIN_KEYSTROKE_PREFIX, `a whole number >= ${MIN_KEYSTROKE_PREFIX}`);
  if (value.errorPage !== undefined) need('errorPage', isRecord(value.errorPage) && typeof value.errorPage.code === 'string' && typeof value.errorPage.text === 'string', "an object {code, text} (the browser's error page shown)");
  const canaries = (value.canaries as unknown[]).map((c, i) => {
    if (!isRecord(c) || typeof c.value !== 'string' || !CANARY_KINDS.includes(c.kind as CanaryKind)) {
      throw new PhonehomeError(`${where}: visit '${String(value.id)}' canaries[${i}] must be {kind, value} with kind one of ${CANARY_KINDS.join(', ')}`);
    }
    return { ...(c as unknown as Canary), visitId: value.id as string };
  });
  const visit = { ...(value as unknown as Visit), canaries };
  // Optional for detection: a visits file written by hand may leave them out.
  visit.device ??= '';
  visit.browser ??= '';
  visit.mode ??= 'normal';
  return visit;
}

/**
 * Visits recorded in a capture's markers: each visit-start marker's data is the Visit; a missing t1
 * is taken from the matching visit-end marker.
 */
export function visitsFromMarkers(markers: readonly Marker[], file = 'markers.jsonl'): Visit[] {
  const ends = new Map<string, number>();
  for (const m of markers) if (m.kind === 'visit-end' && m.visitId) ends.set(m.visitId, m.time);
  const visits: Visit[] = [];
  markers.forEach((m, i) => {
    if (m.kind !== 'visit-start') return;
    const data = isRecord(m.data) && isRecord(m.data.visit) ? m.data.visit : m.data;
    if (!isRecord(data)) throw new PhonehomeError(`${file}: visit-start marker ${i + 1} has no Visit record in 'data' (the harness writes it there)`);
    const id = typeof data.id === 'string' ? data.id : m.visitId;
    const t1 = typeof data.t1 === 'number' ? data.t1 : id !== undefined ? ends.get(id) : undefined;
    visits.push(validateVisit({ ...data, id, t0: data.t0 ?? m.time, t1 }, `${file} visit-start marker for '${id ?? '?'}'`));
  });
  return visits;
}

/** JSON Lines of Visit records; blank lines are skipped. */
export async function readVisitsFile(file: string): Promise<Visit[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PhonehomeError(`visits file ${file} cannot be read (give a JSON Lines file, one Visit per line)`);
  }
  const visits: Visit[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new PhonehomeError(`${file} line ${i + 1}: not valid JSON (the file must hold one Visit object per line)`);
    }
    visits.push(validateVisit(value, `${file} line ${i + 1}`));
  });
  return visits;
}

/** Canaries for device identifiers given as the device layer reads them (string, {value} or {unavailable}). */
export function identifierCanaries(identifiers: unknown, device: string | undefined, where: string): Canary[] {
  if (!isRecord(identifiers)) throw new PhonehomeError(`${where}: identifiers must be an object like {"imei": "86…", "androidId": {"value": "…"}}`);
  const out: Canary[] = [];
  for (const [name, reading] of Object.entries(identifiers)) {
    const kind = IDENTIFIER_KINDS[name as IdentifierName];
    if (!kind) throw new PhonehomeError(`${where}: unknown identifier '${name}' (known: ${Object.keys(IDENTIFIER_KINDS).join(', ')})`);
    let value: unknown = reading;
    if (isRecord(reading)) {
      if ('unavailable' in reading) continue;
      value = reading.value;
    }
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new PhonehomeError(`${where}: identifier '${name}' must be a string, {value} or {unavailable}`);
    out.push({ kind, value: String(value), ...(device ? { device } : {}) });
  }
  return out;
}

/** The note marker the harness writes after reading a phone's identifiers. */
export function deviceIdentifiersMarker(device: string, identifiers: object, time = Date.now()): Marker {
  return { time, kind: 'note', data: { note: DEVICE_IDENTIFIERS_NOTE, device, identifiers: identifiers as Record<string, unknown> } };
}

export function identifiersFromMarkers(markers: readonly Marker[], file = 'markers.jsonl'): Canary[] {
  const out: Canary[] = [];
  markers.forEach((m, i) => {
    if (m.kind !== 'note' || !isRecord(m.data) || (m.data.note ?? m.data.type) !== DEVICE_IDENTIFIERS_NOTE) return;
    const device = typeof m.data.device === 'string' ? m.data.device : undefined;
    out.push(...identifierCanaries(m.data.identifiers, device, `${file} note marker ${i + 1}`));
  });
  return out;
}

export async function readIdentifiersFile(file: string): Promise<Canary[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not valid JSON';
    throw new PhonehomeError(`identifiers file ${file} ${why} (give {"device": "…", "identifiers": {"imei": "…", …}})`);
  }
  if (isRecord(value) && isRecord(value.identifiers)) {
    return identifierCanaries(value.identifiers, typeof value.device === 'string' ? value.device : undefined, file);
  }
  return identifierCanaries(value, undefined, file);
}

/** `--canary VALUE` (custom) or `--canary KIND:VALUE` (e.g. imei:867530912345678). */
export function parseCanaryArgument(argument: string): Canary {
  const colon = argument.indexOf(':');
  const kind = colon > 0 ? argument.slice(0, colon) : '';
  if (CANARY_KINDS.includes(kind as CanaryKind)) {
    return { kind: kind as CanaryKind, value: argument.slice(colon + 1) };
  }
  return { kind: 'custom', value: argument };
}
