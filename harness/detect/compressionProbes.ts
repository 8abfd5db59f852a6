/**
 * Raw DEFLATE and brotli streams carry no magic number, and zlib takes ~50 µs to refuse random bytes
 * (random ids, hashes, signatures are everywhere in telemetry). These probes read the first block
 * header (and, for fixed-Huffman DEFLATE, the first symbols) in a few hundred nanoseconds and reject
 * almost all random input, so zlib is only started on bytes that may really be compressed.
 */

class BitReader {
  #pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  /** `n` bits, least significant first (DEFLATE / brotli order); -1 past the end. */
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.#pos >> 3;
      if (byte >= this.bytes.length) return -1;
      v |= ((this.bytes[byte]! >> (this.#pos & 7)) & 1) << i;
      this.#pos++;
    }
    return v;
  }
  /** A Huffman code of `n` bits, most significant first. */
  code(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = this.bits(1);
      if (b < 0) return -1;
      v = (v << 1) | b;
    }
    return v;
  }
}

const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Fixed-Huffman block: decode up to 64 symbols; a back-reference before the start is impossible. */
function fixedBlockPlausible(r: BitReader): boolean {
  let out = 0;
  for (let n = 0; n < 64; n++) {
    let code = r.code(7);
    if (code < 0) return true; // input ended cleanly enough: let zlib decide
    let symbol: number;
    if (code <= 0x17) symbol = 256 + code;
    else {
      const b = r.bits(1);
      if (b < 0) return true;
      code = (code << 1) | b;
      if (code >= 0x30 && code <= 0xbf) symbol = code - 0x30;
      else if (code >= 0xc0 && code <= 0xc7) symbol = 280 + code - 0xc0;
      else {
        const c = r.bits(1);
        if (c < 0) return true;
        symbol = 144 + ((code << 1) | c) - 0x190;
      }
    }
    if (symbol < 256) out++;
    else if (symbol === 256) return out > 0;
    else {
      if (symbol > 285) return false;
      const extra = r.bits(LENGTH_EXTRA[symbol - 257]!);
      if (extra < 0) return true;
      const length = LENGTH_BASE[symbol - 257]! + extra;
      const dcode = r.code(5);
      if (dcode < 0) return true;
      if (dcode > 29) return false;
      const dextra = r.bits(dcode < 4 ? 0 : (dcode >> 1) - 1);
      if (dextra < 0) return true;
      if (DIST_BASE[dcode]! + dextra > out) return false;
      out += length;
    }
  }
  return true;
}

/** Could `b` start a raw DEFLATE stream? */
export function mayBeRawDeflate(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  const r = new BitReader(b);
  r.bits(1); // BFINAL
  const type = r.bits(2);
  if (type === 3) return false;
  if (type === 0) return b.length >= 5 && (b[1]! ^ b[3]!) === 0xff && (b[2]! ^ b[4]!) === 0xff;
  if (type === 1) return fixedBlockPlausible(r);
  const hlit = r.bits(5);
  const hdist = r.bits(5);
  const hclen = r.bits(4);
  if (hlit < 0 || hdist < 0 || hclen < 0 || hlit > 29 || hdist > 29) return false;
  // The code-length code must be a complete prefix code (Kraft sum exactly 1).
  const lengths = new Array<number>(19).fill(0);
  for (let i = 0; i < hclen + 4; i++) {
    const len = r.bits(3);
    if (len < 0) return false;
    lengths[CL_ORDER[i]!] = len;
  }
  let kraft = 0;
  let used = 0;
  for (const len of lengths) {
    if (len > 0) {
      kraft += 1 << (7 - len);
      used++;
    }
  }
  return kraft === 128 || (used === 1 && kraft === 64);
}

/** Could `b` start a brotli stream whose first meta-block fits the expansion bound? */
export function mayBeBrotli(b: Uint8Array, maxExpansion: number): boolean {
  const r = new BitReader(b);
  // Window size (RFC 7932 9.1); the large-window escape is not valid in standard streams.
  if (r.bits(1) === 1) {
    const n = r.bits(3);
    if (n === 0) {
      const m = r.bits(3);
      if (m === 1 || m < 0) return false;
    } else if (n < 0) return false;
  }
  const isLast = r.bits(1);
  if (isLast < 0) return false;
  if (isLast === 1 && r.bits(1) !== 0) return false; // empty stream: nothing to find
  const nibbles = r.bits(2);
  if (nibbles < 0 || nibbles === 3) return false; // metadata blocks do not open real streams
  const count = nibbles + 4;
  let mlen = 0;
  for (let i = 0; i < count; i++) {
    const nibble = r.bits(4);
    if (nibble < 0) return false;
    if (i === count - 1 && count > 4 && nibble === 0) return false;
    mlen += nibble * 2 ** (4 * i);
  }
  mlen += 1;
  if (mlen > b.length * maxExpansion) return false;
  if (isLast === 0) {
    const uncompressed = r.bits(1);
    if (uncompressed === 1 && mlen > b.length) return false;
  }
  return true;
}
