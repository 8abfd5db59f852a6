/**
 * Parses what `service call <service> <code>` prints: a Parcel hex dump such as
 *
 *   Result: Parcel(
 *     0x00000000: 00000000 0000000f 00350033 00390035 '........3.5.9.5.'
 *     0x00000010: ...
 *   )
 *
 * or the one-line form `Result: Parcel(00000000 ffffffff   '........')`. Each 8-digit group is one
 * 32-bit little-endian word of the reply. A reply to a String getter is: exception code (0 = none),
 * then a String16 (length in UTF-16 units, -1 for null, then the UTF-16LE units, NUL-terminated and
 * padded to 4 bytes). A non-zero exception code is followed by the exception's message String16.
 */
export type ParcelString =
  | { ok: true; value: string | null }
  | { ok: false; reason: string };

/** Parcel.EX_HAS_REPLY_HEADER (EX_HAS_STRICTMODE_REPLY_HEADER from Android 11): not an exception. */
const EX_HAS_REPLY_HEADER = -128;

/** Words longer than this are refused (a String reply is a few dozen words). */
const MAX_WORDS = 16 * 1024;

export function parcelWords(output: string): number[] | null {
  const start = output.indexOf('Parcel(');
  if (start < 0) return null;
  const body = output.slice(start + 'Parcel('.length);
  const words: number[] = [];
  for (const rawLine of body.split('\n')) {
    // Words sit before the ASCII column (which starts at the first quote) and after the offset label.
    const quote = rawLine.indexOf("'");
    const line = (quote >= 0 ? rawLine.slice(0, quote) : rawLine).replace(/0x[0-9a-fA-F]+:/g, ' ');
    for (const match of line.matchAll(/\b[0-9a-fA-F]{8}\b/g)) {
      words.push(parseInt(match[0], 16) >>> 0);
      if (words.length > MAX_WORDS) return null;
    }
  }
  return words;
}

/** Reads a String16 starting at words[index]; returns the string and the index after it. */
function readString16(words: number[], index: number): { value: string | null; next: number } | null {
  if (index >= words.length) return null;
  const length = words[index] | 0;
  if (length === -1) return { value: null, next: index + 1 };
  if (length < 0 || length > MAX_WORDS * 2) return null;
  const units: number[] = [];
  for (let i = 0; i < length; i++) {
    const word = words[index + 1 + (i >> 1)];
    if (word === undefined) return null;
    units.push(i % 2 === 0 ? word & 0xffff : word >>> 16);
  }
  // length units + the NUL terminator, padded to whole words.
  return { value: String.fromCharCode(...units), next: index + 1 + Math.ceil(((length + 1) * 2) / 4) };
}

/** Interprets the reply of a String getter (getDeviceId, getLine1Number …). */
export function parseParcelString(output: string): ParcelString {
  const text = output.trim();
  if (/does not exist|Can't find service|not found/i.test(text) && !text.includes('Parcel(')) {
    return { ok: false, reason: `service not available ('${firstLine(text)}')` };
  }
  const words = parcelWords(text);
  if (words === null) return { ok: false, reason: `unexpected 'service call' output ('${firstLine(text)}')` };
  if (words.length === 0) return { ok: false, reason: 'empty reply (the transaction code does not exist on this release)' };
  let exception = words[0] | 0;
  let at = 1;
  if (exception === EX_HAS_REPLY_HEADER) {
    // A "fat" reply header (StrictMode violations) before the result: its size in bytes, counted
    // from the size word itself, follows; then the reply goes on as without an exception
    // (AOSP Parcel.java writeNoException / readExceptionCode, EX_HAS_REPLY_HEADER = -128).
    const size = words[1];
    if (size === undefined || size < 4 || size % 4 !== 0 || 1 + size / 4 > words.length) return { ok: false, reason: `reply header of ${String(size)} bytes does not fit the reply` };
    at = 1 + size / 4;
    exception = 0;
  }
  if (exception !== 0) {
    const message = readString16(words, 1)?.value;
    return { ok: false, reason: `refused by the phone: ${exceptionName(exception)}${message ? ` (${message})` : ''}` };
  }
  const result = readString16(words, at);
  if (result === null) return { ok: false, reason: 'truncated reply' };
  return { ok: true, value: result.value };
}

function exceptionName(code: number): string {
  switch (code) {
    case -1: return 'SecurityException';
    case -2: return 'BadParcelableException';
    case -3: return 'IllegalArgumentException';
    case -4: return 'NullPointerException';
    case -5: return 'IllegalStateException';
    case -6: return 'NetworkOnMainThreadException';
    case -7: return 'UnsupportedOperationException';
    case -8: return 'ServiceSpecificException';
    case -127: return 'noted-appops reply header (not parsed)';
    default: return `exception ${code}`;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
