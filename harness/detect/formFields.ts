/** application/x-www-form-urlencoded (bodies, queries) and Cookie headers: fields with their byte spans. */
import { spanIndexAt } from './spanSearch.js';
import { isHexDigit } from './textSniff.js';

export interface FormField {
  name: string;
  /** Byte span of the whole `name=value` part and of the (still encoded) value. */
  start: number;
  valueStart: number;
  end: number;
}

const KEY = /^[A-Za-z0-9_.\-[\]$%*~!:|@+]{1,64}$/;

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10;
}

/** %XX decoded (invalid escapes kept as they are); with plusAsSpace, '+' is a space (form encoding). */
export function percentDecode(bytes: Uint8Array, plusAsSpace: boolean): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && isHexDigit(bytes[i + 1]!) && isHexDigit(bytes[i + 2]!)) {
      out[o++] = (hexValue(bytes[i + 1]!) << 4) | hexValue(bytes[i + 2]!);
      i += 2;
    } else out[o++] = plusAsSpace && b === 0x2b ? 0x20 : b;
  }
  return out.subarray(0, o);
}

/**
 * Fields of `text` when all of it reads as form data (`a=1&b=2`, every name plausible, no
 * whitespace), else undefined. `separator` is '&' for forms and queries, ';' for cookies.
 */
export function parseFormFields(buf: Buffer, separator: '&' | ';' = '&'): FormField[] | undefined {
  // No '=' anywhere: not form data (the common case for strings and runs, answered by memchr).
  if (buf.indexOf(0x3d) < 0) return undefined;
  const sep = separator.charCodeAt(0);
  const fields: FormField[] = [];
  let sawEquals = false;
  let start = 0;
  const n = buf.length;
  // The next '=' at or after the current field (n: none), found once for all the fields before it:
  // searching again from each field would be quadratic in 'a&a&a&...&a=1'.
  let nextEq = -1;
  while (start <= n) {
    let end = buf.indexOf(sep, start);
    if (end < 0) end = n;
    let s = start;
    if (separator === ';') while (s < end && buf[s] === 0x20) s++;
    if (end > s) {
      if (nextEq < s) {
        nextEq = buf.indexOf(0x3d, s);
        if (nextEq < 0) nextEq = n;
      }
      const eq = nextEq < n ? nextEq : -1;
      const nameEnd = eq >= 0 && eq < end ? eq : end;
      const name = buf.toString('latin1', s, nameEnd);
      if (!KEY.test(name)) return undefined;
      if (eq >= 0 && eq < end) sawEquals = true;
      fields.push({ name: decodeName(name), start: s, valueStart: nameEnd < end ? nameEnd + 1 : end, end });
    }
    start = end + 1;
  }
  if (!sawEquals) return undefined;
  // 'abc=' or 'abc==' alone is base64 padding, not a field.
  if (fields.length === 1) {
    const f = fields[0]!;
    if (f.valueStart >= f.end || buf[f.valueStart] === 0x3d) return undefined;
  }
  if (separator === '&') {
    // Whitespace never appears in form data; its presence means prose that happens to hold '='.
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return undefined;
    }
  }
  return fields;
}

function decodeName(name: string): string {
  return name.includes('%') || name.includes('+') ? percentDecode(Buffer.from(name, 'latin1'), true).toString('utf8') : name;
}

/** Index of the field whose span holds `offset`, or -1 (fields are in offset order). */
export function fieldAt(fields: FormField[], offset: number): number {
  return spanIndexAt(fields.length, (i) => fields[i]!.start, (i) => fields[i]!.end, offset);
}
