/**
 * A tolerant JSON tokenizer over bytes: where every string and number value is, and its path
 * (`json[0].url`), without building the document. Iterative, so JSON nested 10,000 deep cannot
 * overflow the stack; nesting past `maxNesting` stops the scan and is reported. A truncated or
 * slightly broken document still yields the values before the break.
 */

export const MAX_JSON_NESTING = 256;

export interface JsonValueSpan {
  /** Byte offsets of the value; for strings, of the content between the quotes. */
  start: number;
  end: number;
  path: number;
  isString: boolean;
  /** String content contains backslash escapes (the bytes are not the value). */
  escaped: boolean;
}

export interface JsonScan {
  values: JsonValueSpan[];
  /** Set when the scan stopped before the end: not JSON from there on, or nested too deep. */
  stoppedAt?: number;
  tooDeep?: boolean;
  /** path index -> parent path index (-1 = root) and key. */
  parents: number[];
  keys: Array<string | number>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Offset of the closing quote of the string whose opening quote is at `open`, or -1. */
function stringEnd(buf: Buffer, open: number): number {
  let j = open + 1;
  for (;;) {
    const k = buf.indexOf(QUOTE, j);
    if (k < 0) return -1;
    let slashes = 0;
    for (let m = k - 1; m > open && buf[m] === BACKSLASH; m--) slashes++;
    if (slashes % 2 === 0) return k;
    j = k + 1;
  }
}

interface Container {
  isObject: boolean;
  path: number;
  index: number;
  key: string | undefined;
  expectKey: boolean;
}

export function scanJson(buf: Buffer, maxNesting = MAX_JSON_NESTING): JsonScan {
  const scan: JsonScan = { values: [], parents: [], keys: [] };
  const stack: Container[] = [];
  const n = buf.length;
  let pos = 0;
  const newPath = (): number => {
    const top = stack[stack.length - 1];
    if (!top) return -1;
    scan.parents.push(top.path);
    scan.keys.push(top.isObject ? (top.key ?? '') : top.index);
    return scan.parents.length - 1;
  };
  const stop = (at: number) => {
    scan.stoppedAt = at;
    return scan;
  };
  while (pos < n) {
    const b = buf[pos]!;
    if (isSpace(b)) {
      pos++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (b === 0x2c /* , */) {
      if (!top) return stop(pos);
      if (top.isObject) top.expectKey = true;
      else top.index++;
      pos++;
      continue;
    }
    if (b === 0x3a /* : */) {
      if (!top?.isObject) return stop(pos);
      pos++;
      continue;
    }
    if (b === 0x7d /* } */ || b === 0x5d /* ] */) {
      if (!top || top.isObject !== (b === 0x7d)) return stop(pos);
      stack.pop();
      pos++;
      if (stack.length === 0) {
        // Trailing content after the document: not JSON from here.
        while (pos < n && isSpace(buf[pos]!)) pos++;
        return pos < n ? stop(pos) : scan;
      }
      continue;
    }
    if (top?.isObject && top.expectKey) {
      if (b !== QUOTE) return stop(pos);
      const end = stringEnd(buf, pos);
      if (end < 0) return stop(pos);
      const raw = buf.toString('utf8', pos + 1, end);
      top.key = raw.includes('\\') ? safeJsonString(buf.toString('utf8', pos, end + 1)) ?? raw : raw;
      top.expectKey = false;
      pos = end + 1;
      continue;
    }
    if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (stack.length >= maxNesting) {
        scan.tooDeep = true;
        return stop(pos);
      }
      const path = newPath();
      stack.push({ isObject: b === 0x7b, path, index: 0, key: undefined, expectKey: b === 0x7b });
      pos++;
      continue;
    }
    if (b === QUOTE) {
      const end = stringEnd(buf, pos);
      if (end < 0) return stop(pos);
      const escaped = buf.indexOf(BACKSLASH, pos + 1) >= 0 && buf.indexOf(BACKSLASH, pos + 1) < end;
      scan.values.push({ start: pos + 1, end, path: newPath(), isString: true, escaped });
      pos = end + 1;
      if (!top) return pos < n ? stop(pos) : scan;
      continue;
    }
    // number, true, false, null
    let end = pos;
    while (end < n) {
      const c = buf[end]!;
      if (c === 0x2c || c === 0x7d || c === 0x5d || isSpace(c)) break;
      end++;
    }
    if (end === pos) return stop(pos);
    const first = b;
    if (first === 0x2d || (first >= 0x30 && first <= 0x39)) scan.values.push({ start: pos, end, path: newPath(), isString: false, escaped: false });
    else if (!/^(true|false|null)$/.test(buf.toString('latin1', pos, end))) return stop(pos);
    pos = end;
    if (!top) return pos < n ? stop(pos) : scan;
  }
  if (stack.length > 0) scan.stoppedAt = n;
  return scan;
}

function safeJsonString(literal: string): string | undefined {
  try {
    const v: unknown = JSON.parse(literal);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The value of a string span with escapes resolved; undefined when the escapes are malformed. */
export function unescapeJsonString(buf: Buffer, span: JsonValueSpan): string | undefined {
  return safeJsonString(buf.toString('utf8', span.start - 1, span.end + 1));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `json[0].url`, `json.events[2]["$os version"]`. */
export function jsonPath(scan: JsonScan, path: number): string {
  const parts: string[] = [];
  for (let p = path; p >= 0; p = scan.parents[p]!) {
    const key = scan.keys[p]!;
    parts.push(typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
  }
  return 'json' + parts.reverse().join('');
}

/** Index of the value span containing `offset`, or -1 (values are in offset order). */
export function valueAt(scan: JsonScan, offset: number): number {
  const v = scan.values;
  let lo = 0;
  let hi = v.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = v[mid]!;
    if (offset < s.start) hi = mid - 1;
    else if (offset >= s.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
