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

function readVarint(buf: Uint8Array, pos: number, end: number): [value: number, next: number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return undefined;
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return [value, pos];
  }
  return undefined;
}

/** Field spans of buf[start, end) as a message, or undefined when it is not one. */
function parseMessage(buf: Uint8Array, start: number, end: number): Array<{ field: number; start: number; end: number }> | undefined {
  const fields: Array<{ field: number; start: number; end: number }> = [];
  let pos = start;
  let sawLength = false;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (!tag) return undefined;
    const [key, afterTag] = tag;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field < 1 || field >= MAX_FIELD) return undefined;
    pos = afterTag;
    if (wire === 0) {
      const v = readVarint(buf, pos, end);
      if (!v) return undefined;
      pos = v[1];
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = readVarint(buf, pos, end);
      if (!len || len[1] + len[0] > end) return undefined;
      fields.push({ field, start: len[1], end: len[1] + len[0] });
      pos = len[1] + len[0];
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
      const payload = buf.subarray(f.start, f.end);
      const nested = depth < MAX_NESTED && f.end - f.start >= 2 && !isText(payload) ? parseMessage(buf, f.start, f.end) : undefined;
      if (nested) work.push({ fields: nested, prefix: path + '.', depth: depth + 1 });
      else out.push({ path, start: f.start, end: f.end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
