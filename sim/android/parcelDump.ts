/**
 * `service call` prints the reply Parcel the way libbinder's Parcel::print / printHexData does:
 * little-endian 32-bit words in hex, four per row, with the bytes as ASCII on the right.
 */

/** A reply Parcel holding "no exception" and one String16 (null when value is null). */
export function string16Reply(value: string | null): Buffer {
  if (value === null) {
    const b = Buffer.alloc(8);
    b.writeInt32LE(0, 0);
    b.writeInt32LE(-1, 4);
    return b;
  }
  const chars = Buffer.from(value + '\0', 'utf16le');
  const padded = Buffer.alloc(Math.ceil(chars.length / 4) * 4);
  chars.copy(padded);
  const head = Buffer.alloc(8);
  head.writeInt32LE(0, 0);
  head.writeInt32LE(value.length, 4);
  return Buffer.concat([head, padded]);
}

/** A reply carrying an exception (e.g. SecurityException) as Parcel::writeException lays it out. */
export function exceptionReply(code: number, message: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32LE(code, 0);
  return Buffer.concat([head, string16Reply(message).subarray(4)]);
}

function ascii(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return out;
}

function words(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(bytes.readUInt32LE(i).toString(16).padStart(8, '0'));
  return out;
}

/** `Result: Parcel(…)` text; parcels of 16 bytes or less print on one line. */
export function formatParcel(data: Buffer): string {
  if (data.length <= 16) {
    return `Result: Parcel(${words(data).join(' ')}   '${ascii(data)}')\n`;
  }
  const rows: string[] = [];
  for (let offset = 0; offset < data.length; offset += 16) {
    const row = data.subarray(offset, offset + 16);
    const hex = words(row).map((w) => w + ' ').join('').padEnd(36);
    rows.push(`  0x${offset.toString(16).padStart(8, '0')}: ${hex}'${ascii(row).padEnd(16)}'`);
  }
  return `Result: Parcel(\n${rows.join('\n')})\n`;
}
