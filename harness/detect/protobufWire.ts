/**
 * Protocol Buffers wire format without a schema: a buffer parses as a message when it is a clean
 * sequence of fields that consumes every byte. Length-delimited fields become candidate strings
 * (or nested messages, parsed the same way), named by field-number path: `protobuf[2.1]`.
 */

import { spanIndexAt } from './spanSearch.js';

const MAX_FIELD = 1 << 29;
const MAX_NESTED = 16;

/**
 * The candidate strings of a message, in offset order. Parallel arrays, paths built on demand: a
 * telemetry batch has thousands of strings, and only a finding's needs naming.
 */
export class ProtobufStrings {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Per string: its field number and the nested message holding it (-1: the top-level one). */
  readonly #fields: number[] = [];
  readonly #messages: number[] = [];
  /** Per nested message: its field number and its parent message. */
  readonly #messageFields: number[] = [];
  readonly #messageParents: number[] = [];

  get length(): number {
    return this.starts.length;
  }

  /** Field-number path of string i: `2`, `1.3`. */
  path(i: number): string {
    let path = String(this.#fields[i]);
    for (let m = this.#messages[i]!; m >= 0; m = this.#messageParents[m]!) path = `${this.#messageFields[m]}.${path}`;
    return path;
  }

  /** Index of the string holding `offset`, or -1 (strings are sorted and do not overlap). */
  indexAt(offset: number): number {
    return spanIndexAt(this.starts.length, (i) => this.starts[i]!, (i) => this.ends[i]!, offset);
  }


  addString(start: number, end: number, field: number, message: number): void {
    this.starts.push(start);
    this.ends.push(end);
    this.#fields.push(field);
    this.#messages.push(message);
  }

  addMessage(field: number, parent: number): number {
    this.#messageFields.push(field);
    this.#messageParents.push(parent);
    return this.#messageFields.length - 1;
  }
}

/** Bytes of the varint at buf[pos] (at most 10, all before `end`), or 0 when there is none. */
function varintBytes(buf: Uint8Array, pos: number, end: number): number {
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return 0;
    if ((buf[pos + i]! & 0x80) === 0) return i + 1;
  }
  return 0;
}

/** Value of the varint of `length` bytes at buf[pos] (no tuple to allocate for each of thousands of fields). */
function varintValue(buf: Uint8Array, pos: number, length: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < length; i++) {
    value += (buf[pos + i]! & 0x7f) * mul;
    mul *= 128;
  }
  return value;
}

/** Value of a varint of at most 4 bytes (28 bits: a small integer). */
function smallVarint(buf: Uint8Array, pos: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value |= (buf[pos + i]! & 0x7f) << (7 * i);
  return value;
}

/**
 * True when buf[start, end) is a message with at least one length-delimited field; with `out`, the
 * length-delimited fields are appended to it as (field, start, end) triples. Without, it is only a
 * test, which fails within a few bytes on most text.
 */
function parseMessage(buf: Uint8Array, start: number, end: number, out?: number[]): boolean {
  let pos = start;
  let sawLength = false;
  while (pos < end) {
    const tagBytes = varintBytes(buf, pos, end);
    if (tagBytes === 0) return false;
    // Integer arithmetic for the usual 1-4 byte tag; a longer one is a double (up to 2^70).
    const key = tagBytes <= 4 ? smallVarint(buf, pos, tagBytes) : varintValue(buf, pos, tagBytes);
    const field = tagBytes <= 4 ? key >>> 3 : Math.floor(key / 8);
    const wire = tagBytes <= 4 ? key & 7 : key % 8;
    if (field < 1 || field >= MAX_FIELD) return false;
    pos += tagBytes;
    if (wire === 0) {
      const v = varintBytes(buf, pos, end);
      if (v === 0) return false;
      pos += v;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const lengthBytes = varintBytes(buf, pos, end);
      if (lengthBytes === 0) return false;
      const length = lengthBytes <= 4 ? smallVarint(buf, pos, lengthBytes) : varintValue(buf, pos, lengthBytes);
      const from = pos + lengthBytes;
      if (from + length > end) return false;
      out?.push(field, from, from + length);
      pos = from + length;
      sawLength = true;
    } else return false;
    if (pos > end) return false;
  }
  return sawLength;
}

/** Depth first, in field order: the strings come out sorted by offset. */
function collect(buf: Uint8Array, start: number, end: number, message: number, depth: number, isText: (bytes: Uint8Array) => boolean, into: ProtobufStrings): void {
  const fields: number[] = [];
  parseMessage(buf, start, end, fields);
  for (let k = 0; k < fields.length; k += 3) {
    const field = fields[k]!;
    const from = fields[k + 1]!;
    const to = fields[k + 2]!;
    // A payload that itself parses as a message is one, unless it is text.
    if (depth < MAX_NESTED && to - from >= 2 && parseMessage(buf, from, to) && !isText(buf.subarray(from, to))) {
      collect(buf, from, to, into.addMessage(field, message), depth + 1, isText, into);
    } else into.addString(from, to, field, message);
  }
}

/**
 * Length-delimited leaves of a message (nested messages descended into), or undefined when `buf`
 * is not a message.
 */
export function protobufStrings(buf: Uint8Array, isText: (bytes: Uint8Array) => boolean): ProtobufStrings | undefined {
  if (!parseMessage(buf, 0, buf.length)) return undefined;
  const strings = new ProtobufStrings();
  collect(buf, 0, buf.length, -1, 0, isText, strings);
  return strings;
}
