/**
 * A tolerant JSON tokenizer over bytes: where every string and number value is, and its path
 * (`json[0].url`), without building the document. Iterative, so JSON nested 10,000 deep cannot
 * overflow the stack; nesting past `maxNesting` stops the scan and is reported. A truncated or
 * slightly broken document still yields the values before the break.
 */

import { spanIndexAt } from './spanSearch.js';

export const MAX_JSON_NESTING = 256;

export interface JsonValueSpan {
  /** Byte offsets of the value; for strings, of the content between the quotes. */
  start: number;
  end: number;
  /** Path of the container holding the value (-1: the top-level one), and the value's own key there. */
  parent: number;
  /** As JsonScan.keyStart / keyEnd; TOP_LEVEL for a document that is a lone value. */
  keyStart: number;
  keyEnd: number;
  isString: boolean;
  /** String content contains backslash escapes (the bytes are not the value). */
  escaped: boolean;
}

export interface JsonScan {
  values: JsonValueSpan[];
  /** Set when the scan stopped before the end: not JSON from there on, or nested too deep. */
  stoppedAt?: number;
  tooDeep?: boolean;
  /**
   * Container path index -> parent path index (-1 = root) and key: an array index, or for an object
   * member the byte span of its key's quoted text (decoded only when a path is named, see jsonPath).
   */
  parents: number[];
  keyStart: number[];
  keyEnd: number[];
  /** The bytes scanned, for keys decoded on demand. */
  source: Buffer;
}

/** keyStart for an array element (keyEnd holds the index) and for a member whose key is missing. */
const ARRAY_INDEX = -1;
const NO_KEY = -2;
const TOP_LEVEL = -3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Strings up to this long are read byte by byte; longer ones with indexOf (native, but a call each). */
const SHORT_STRING = 48;

/** Offset of the closing quote of the string whose opening quote is at `open`, or -1. */
function stringEnd(buf: Buffer, open: number): number {
  // Short strings (most keys and values): one pass, backslashes skip the byte they escape.
  const limit = Math.min(buf.length, open + 1 + SHORT_STRING);
  let k = open + 1;
  while (k < limit) {
    const c = buf[k]!;
    if (c === QUOTE) return k;
    k += c === BACKSLASH ? 2 : 1;
  }
  // Longer: the first quote not preceded by an odd number of backslashes.
  let j = open + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let slashes = 0;
    for (let m = q - 1; m > open && buf[m] === BACKSLASH; m--) slashes++;
    if (slashes % 2 === 0) return q;
    j = q + 1;
  }
}


/** `true`, `false` or `null` at buf[start, end). */
function isLiteral(buf: Buffer, start: number, end: number): boolean {
  const len = end - start;
  const c = buf[start];
  if (len === 4 && c === 0x74) return buf[start + 1] === 0x72 && buf[start + 2] === 0x75 && buf[start + 3] === 0x65; // true
  if (len === 4 && c === 0x6e) return buf[start + 1] === 0x75 && buf[start + 2] === 0x6c && buf[start + 3] === 0x6c; // null
  if (len === 5 && c === 0x66) return buf[start + 1] === 0x61 && buf[start + 2] === 0x6c && buf[start + 3] === 0x73 && buf[start + 4] === 0x65; // false
  return false;
}

interface Container {
  isObject: boolean;
  path: number;
  index: number;
  /** Span of the current member's key: opening quote, closing quote (NO_KEY before the first). */
  keyStart: number;
  keyEnd: number;
  expectKey: boolean;
}

/** A value in `top` (undefined: the document is this lone value), with its key there. */
function valueSpan(top: Container | undefined, start: number, end: number, isString: boolean, escaped: boolean): JsonValueSpan {
  if (!top) return { start, end, parent: -1, keyStart: TOP_LEVEL, keyEnd: TOP_LEVEL, isString, escaped };
  if (top.isObject) return { start, end, parent: top.path, keyStart: top.keyStart, keyEnd: top.keyEnd, isString, escaped };
  return { start, end, parent: top.path, keyStart: ARRAY_INDEX, keyEnd: top.index, isString, escaped };
}

/** A new container path under `top` (-1 at the top level): its parent and its key. */
function newPath(scan: JsonScan, top: Container | undefined): number {
  if (!top) return -1;
  scan.parents.push(top.path);
  if (top.isObject) {
    scan.keyStart.push(top.keyStart);
    scan.keyEnd.push(top.keyEnd);
  } else {
    scan.keyStart.push(ARRAY_INDEX);
    scan.keyEnd.push(top.index);
  }
  return scan.parents.length - 1;
}

export function scanJson(buf: Buffer, maxNesting = MAX_JSON_NESTING): JsonScan {
  const scan: JsonScan = { values: [], parents: [], keyStart: [], keyEnd: [], source: buf };
  const stack: Container[] = [];
  let top: Container | undefined;
  const n = buf.length;
  let pos = 0;
  // The first backslash at or after the string being read (n: none), found by indexOf once for all
  // the strings before it: most documents hold none, or a few escaped strings.
  let nextBackslash = -1;
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
      top = stack[stack.length - 1];
      pos++;
      if (!top) {
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
      top.keyStart = pos;
      top.keyEnd = end;
      top.expectKey = false;
      pos = end + 1;
      continue;
    }
    if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (stack.length >= maxNesting) {
        scan.tooDeep = true;
        return stop(pos);
      }
      const path = newPath(scan, top);
      top = { isObject: b === 0x7b, path, index: 0, keyStart: NO_KEY, keyEnd: NO_KEY, expectKey: b === 0x7b };
      stack.push(top);
      pos++;
      continue;
    }
    if (b === QUOTE) {
      const end = stringEnd(buf, pos);
      if (end < 0) return stop(pos);
      if (nextBackslash <= pos) {
        nextBackslash = buf.indexOf(BACKSLASH, pos + 1);
        if (nextBackslash < 0) nextBackslash = n;
      }
      scan.values.push(valueSpan(top, pos + 1, end, true, nextBackslash < end));
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
    if (b === 0x2d || (b >= 0x30 && b <= 0x39)) scan.values.push(valueSpan(top, pos, end, false, false));
    else if (!isLiteral(buf, pos, end)) return stop(pos);
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

/** A key as a path label: `[2]`, `.url`, `["$os version"]` (a member's escapes resolved). */
function keyLabel(source: Buffer, keyStart: number, keyEnd: number): string {
  if (keyStart === ARRAY_INDEX) return `[${keyEnd}]`;
  let key = '';
  if (keyStart !== NO_KEY) {
    const raw = source.toString('utf8', keyStart + 1, keyEnd);
    key = raw.includes('\\') ? (safeJsonString(source.toString('utf8', keyStart, keyEnd + 1)) ?? raw) : raw;
  }
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `json[0].url`, `json.events[2]["$os version"]`: the path of a value. */
export function jsonPath(scan: JsonScan, value: JsonValueSpan): string {
  if (value.keyStart === TOP_LEVEL) return 'json';
  const parts = [keyLabel(scan.source, value.keyStart, value.keyEnd)];
  for (let p = value.parent; p >= 0; p = scan.parents[p]!) parts.push(keyLabel(scan.source, scan.keyStart[p]!, scan.keyEnd[p]!));
  return 'json' + parts.reverse().join('');
}

/** Index of the value span containing `offset`, or -1 (values are in offset order). */
export function valueAt(scan: JsonScan, offset: number): number {
  const v = scan.values;
  return spanIndexAt(v.length, (i) => v[i]!.start, (i) => v[i]!.end, offset);
}
