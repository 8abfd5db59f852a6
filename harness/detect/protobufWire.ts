/**
 * Protocol Buffers wire format without a schema: a buffer parses as a message when it is a clean
 * sequence of fields that consumes every byte. Length-delimited fields become candidate strings
 * (or nested messages, parsed the same way), named by field-number path: `protobuf[2.1]`.
 */

export interface ProtobufString {
  path: string;
  start: number;
  end: number;
}

const MAX_FIELD = 1 << 29;
const MAX_NESTED = 16;

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

/** Field spans of buf[start, end) as a message, or undefined when it is not one. */
function parseMessage(buf: Uint8Array, start: number, end: number): Array<{ field: number; start: number; end: number }> | undefined {
  const fields: Array<{ field: number; start: number; end: number }> = [];
  let pos = start;
  let sawLength = false;
  while (pos < end) {
    const tagBytes = varintBytes(buf, pos, end);
    if (tagBytes === 0) return undefined;
    const key = varintValue(buf, pos, tagBytes);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field < 1 || field >= MAX_FIELD) return undefined;
    pos += tagBytes;
    if (wire === 0) {
      const v = varintBytes(buf, pos, end);
      if (v === 0) return undefined;
      pos += v;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const lengthBytes = varintBytes(buf, pos, end);
      if (lengthBytes === 0) return undefined;
      const length = varintValue(buf, pos, lengthBytes);
      const from = pos + lengthBytes;
      if (from + length > end) return undefined;
      fields.push({ field, start: from, end: from + length });
      pos = from + length;
      sawLength = true;
    } else return undefined;
    if (pos > end) return undefined;
  }
  return sawLength ? fields : undefined;
}

/**
 * Length-delimited leaves of a message (nested messages descended into), or undefined when `buf`
 * is not a message. A payload that itself parses as a message is treated as one unless it is text.
 */
export function protobufStrings(buf: Uint8Array, isText: (bytes: Uint8Array) => boolean): ProtobufString[] | undefined {
  const top = parseMessage(buf, 0, buf.length);
  if (!top) return undefined;
  const out: ProtobufString[] = [];
  const work: Array<{ fields: NonNullable<ReturnType<typeof parseMessage>>; prefix: string; depth: number }> = [{ fields: top, prefix: '', depth: 0 }];
  while (work.length > 0) {
    const { fields, prefix, depth } = work.pop()!;
    for (const f of fields) {
      const path = prefix + f.field;
      // Parsing first: it fails within a few bytes on most text, and costs no view of the payload.
      const nested = depth < MAX_NESTED && f.end - f.start >= 2 ? parseMessage(buf, f.start, f.end) : undefined;
      if (nested && !isText(buf.subarray(f.start, f.end))) work.push({ fields: nested, prefix: path + '.', depth: depth + 1 });
      else out.push({ path, start: f.start, end: f.end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
