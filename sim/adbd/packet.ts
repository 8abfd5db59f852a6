/**
 * The ADB wire message: a 24-byte little-endian header (command, arg0, arg1, data_length,
 * data_check, magic) and its payload. See AOSP adb protocol.txt / types.h `amessage`.
 */

export const A_SYNC = 0x434e5953;
export const A_CNXN = 0x4e584e43;
export const A_AUTH = 0x48545541;
export const A_OPEN = 0x4e45504f;
export const A_OKAY = 0x59414b4f;
export const A_CLSE = 0x45534c43;
export const A_WRTE = 0x45545257;
export const A_STLS = 0x534c5453;

export const A_VERSION_MIN = 0x01000000;
export const A_VERSION = 0x01000001;
/** CNXN and AUTH must fit here: they travel before the peer's maxdata is known. */
export const MAX_PAYLOAD_V1 = 4096;
export const MAX_PAYLOAD = 1024 * 1024;

export const AUTH_TOKEN = 1;
export const AUTH_SIGNATURE = 2;
export const AUTH_RSAPUBLICKEY = 3;

const HEADER_SIZE = 24;

export interface AdbPacket {
  command: number;
  arg0: number;
  arg1: number;
  data: Buffer;
}

const NAMES: Record<number, string> = {
  [A_SYNC]: 'SYNC', [A_CNXN]: 'CNXN', [A_AUTH]: 'AUTH', [A_OPEN]: 'OPEN',
  [A_OKAY]: 'OKAY', [A_CLSE]: 'CLSE', [A_WRTE]: 'WRTE', [A_STLS]: 'STLS',
};

export function commandName(command: number): string {
  return NAMES[command] ?? `0x${command.toString(16)}`;
}

/** Sum of payload bytes: what adbd computes (not a CRC, whatever protocol.txt says). */
export function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data[i]!) >>> 0;
  return sum;
}

export function encodePacket(command: number, arg0: number, arg1: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(command >>> 0, 0);
  header.writeUInt32LE(arg0 >>> 0, 4);
  header.writeUInt32LE(arg1 >>> 0, 8);
  header.writeUInt32LE(data.length, 12);
  // Always the byte sum: correct for every host version (newer hosts ignore it).
  header.writeUInt32LE(checksum(data), 16);
  header.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  return data.length === 0 ? header : Buffer.concat([header, data]);
}

export class PacketFormatError extends Error {}

/**
 * Incremental decoder. A bad magic or an oversized payload is a protocol error (the connection is
 * dropped, as adbd's check_header does), so a hostile peer cannot make us buffer more than
 * one header plus `maxPayload` bytes.
 */
export class PacketDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  maxPayload: number;

  constructor(maxPayload = MAX_PAYLOAD) {
    this.maxPayload = maxPayload;
  }

  push(chunk: Buffer): AdbPacket[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const packets: AdbPacket[] = [];
    for (;;) {
      if (this.buffered < HEADER_SIZE) break;
      const head = this.peek(HEADER_SIZE);
      const command = head.readUInt32LE(0);
      const length = head.readUInt32LE(12);
      const magic = head.readUInt32LE(20);
      if (magic !== ((command ^ 0xffffffff) >>> 0)) {
        throw new PacketFormatError(`bad magic 0x${magic.toString(16)} for command 0x${command.toString(16)}`);
      }
      if (length > this.maxPayload) {
        throw new PacketFormatError(`${commandName(command)} payload of ${length} bytes exceeds max payload ${this.maxPayload}`);
      }
      if (this.buffered < HEADER_SIZE + length) break;
      const whole = this.take(HEADER_SIZE + length);
      packets.push({ command, arg0: whole.readUInt32LE(4), arg1: whole.readUInt32LE(8), data: whole.subarray(HEADER_SIZE) });
    }
    return packets;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const out = Buffer.from(first.subarray(0, n));
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
