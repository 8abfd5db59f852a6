/**
 * Raw DEFLATE and brotli streams carry no magic number, and zlib takes 15-50 µs to refuse random
 * bytes (random ids, hashes, signatures are everywhere in telemetry). These probes read the first
 * block header in well under a microsecond: for DEFLATE its Huffman code descriptions (dynamic) or
 * first symbols (fixed), for brotli the meta-block header up to its first prefix code. They reject
 * almost all random input, so zlib is only started on bytes that may really be compressed. Where
 * the input ends before a probe can decide, it accepts: zlib then decides.
 */

import { isZlib } from './compression.js';

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
  /** True when what has been read ends in byte `length - 1` (a stream `length` bytes long). */
  endsAt(length: number): boolean {
    return (this.#pos + 7) >> 3 === length;
  }
  /** Skips to the next byte boundary; true when the bits skipped were all zero. */
  toByteBoundary(): boolean {
    let zero = true;
    while ((this.#pos & 7) !== 0) if (this.bits(1) !== 0) zero = false;
    return zero;
  }
  /** The next `n` bits without consuming them; -1 when fewer remain. */
  peek(n: number): number {
    const at = this.#pos;
    const v = this.bits(n);
    this.#pos = at;
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

/**
 * A zlib stream (RFC 1950): its 2-byte header, then a raw DEFLATE stream and a 4-byte Adler-32. The
 * header alone turns up by chance in one of ~1,000 random buffers; the stream after it rarely.
 */
export function mayBeZlib(b: Uint8Array): boolean {
  // A preset dictionary (FDICT): no dictionary is known here, so zlib could not decode it anyway.
  return isZlib(b) && (b[1]! & 0x20) === 0 && mayBeRawDeflate(b.subarray(2), 4);
}

/** Symbols a probe decodes before it takes a fixed-Huffman stream for plausible. */
const MAX_PROBE_SYMBOLS = 64;

/**
 * Fixed-Huffman block: decodes symbols until the end of the block or the probe's budget; a
 * back-reference before the start is impossible. Returns 'end' (end of block), 'budget' or false.
 * Input that ends inside the block is a truncated stream, which a blind attempt would not keep.
 */
function fixedBlock(r: BitReader, state: { out: number; symbols: number }): 'end' | 'budget' | false {
  while (state.symbols++ < MAX_PROBE_SYMBOLS) {
    let code = r.code(7);
    if (code < 0) return false;
    let symbol: number;
    if (code <= 0x17) symbol = 256 + code;
    else {
      const b = r.bits(1);
      if (b < 0) return false;
      code = (code << 1) | b;
      if (code >= 0x30 && code <= 0xbf) symbol = code - 0x30;
      else if (code >= 0xc0 && code <= 0xc7) symbol = 280 + code - 0xc0;
      else {
        const c = r.bits(1);
        if (c < 0) return false;
        symbol = 144 + ((code << 1) | c) - 0x190;
      }
    }
    if (symbol < 256) state.out++;
    else if (symbol === 256) return state.out > 0 && 'end';
    else {
      if (symbol > 285) return false;
      const extra = r.bits(LENGTH_EXTRA[symbol - 257]!);
      if (extra < 0) return false;
      const length = LENGTH_BASE[symbol - 257]! + extra;
      const dcode = r.code(5);
      if (dcode < 0 || dcode > 29) return false;
      const dextra = r.bits(dcode < 4 ? 0 : (dcode >> 1) - 1);
      if (dextra < 0) return false;
      if (DIST_BASE[dcode]! + dextra > state.out) return false;
      state.out += length;
    }
  }
  return 'budget';
}

/**
 * Could `b` be a raw DEFLATE stream? Block by block: a stored block's length must match its
 * complement, a dynamic block must describe valid codes, fixed blocks must decode; the final
 * block must end in the last byte (the bytes are the stream, nothing after it).
 */
export function mayBeRawDeflate(b: Uint8Array, trailer = 0): boolean {
  if (b.length < 2 + trailer) return false;
  const r = new BitReader(b);
  const state = { out: 0, symbols: 0 };
  for (;;) {
    const final = r.bits(1);
    const type = r.bits(2);
    if (final < 0 || type < 0 || type === 3) return false;
    if (type === 0) {
      r.toByteBoundary(); // stored: the rest of the byte is skipped, whatever it holds
      const length = r.bits(16);
      const complement = r.bits(16);
      return length >= 0 && complement >= 0 && (length ^ complement) === 0xffff;
    }
    if (type === 2) return dynamicBlockPlausible(r);
    const end = fixedBlock(r, state);
    if (end !== 'end') return end === 'budget';
    if (final === 1) return r.endsAt(b.length - trailer);
  }
}

/** A dynamic block's header: its code-length code, then the codes it describes. */
function dynamicBlockPlausible(r: BitReader): boolean {
  const hlit = r.bits(5);
  const hdist = r.bits(5);
  const hclen = r.bits(4);
  if (hlit < 0 || hdist < 0 || hclen < 0) return false;
  if (hlit > 29 || hdist > 29) return false;
  // The code-length code must be a complete prefix code (Kraft sum exactly 1).
  const lengths = new Array<number>(19).fill(0);
  let kraft = 0;
  let used = 0;
  for (let i = 0; i < hclen + 4; i++) {
    const len = r.bits(3);
    if (len < 0) return false;
    lengths[CL_ORDER[i]!] = len;
    if (len > 0) {
      kraft += 1 << (7 - len);
      used++;
    }
  }
  // Checked before any code is built: most random headers fail here.
  if (kraft !== 128 && !(used === 1 && kraft === 64)) return false;
  return dynamicCodesPlausible(r, canonicalCode(lengths), hlit + 257, hdist + 1);
}

const FULL_KRAFT = 2 ** 15;

interface CanonicalCode {
  /** Codes of each length (index 0 unused), and the symbols in code order. */
  count: number[];
  symbols: number[];
  /** Sum of 2^(15 - length) over the codes: FULL_KRAFT when complete, more when over-subscribed. */
  kraft: number;
  used: number;
}

/** The canonical Huffman code of DEFLATE (RFC 1951 3.2.2) for these code lengths (at most 15). */
function canonicalCode(lengths: readonly number[]): CanonicalCode {
  const count = new Array<number>(16).fill(0);
  for (const len of lengths) count[len]!++;
  let kraft = 0;
  for (let len = 1; len <= 15; len++) kraft += count[len]! * 2 ** (15 - len);
  const offsets = new Array<number>(16).fill(0);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + count[len]!;
  const symbols: number[] = [];
  lengths.forEach((len, symbol) => {
    if (len > 0) symbols[offsets[len]!++] = symbol;
  });
  return { count, symbols, kraft, used: lengths.length - count[0]! };
}

/** One symbol of a canonical code (codes read most significant bit first); -1 past the end, -2 no such code. */
function decodeSymbol(r: BitReader, code: CanonicalCode): number {
  let bits = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= 15; len++) {
    const bit = r.bits(1);
    if (bit < 0) return -1;
    bits |= bit;
    const count = code.count[len]!;
    if (bits - count < first) return code.symbols[index + (bits - first)]!;
    index += count;
    first = (first + count) * 2;
    bits *= 2;
  }
  return -2;
}

/**
 * A dynamic block's literal/length and distance code lengths, read with the code-length code: the
 * repeats must stay in bounds, end-of-block must have a code, and both codes must be complete (or a
 * single code of one bit), as zlib requires. Random bytes almost never describe such codes.
 */
function dynamicCodesPlausible(r: BitReader, codeLengths: CanonicalCode, literals: number, distances: number): boolean {
  const lengths: number[] = [];
  while (lengths.length < literals + distances) {
    const symbol = decodeSymbol(r, codeLengths);
    if (symbol === -1) return true;
    if (symbol < 0) return false;
    if (symbol < 16) {
      lengths.push(symbol);
      continue;
    }
    const extra = r.bits(symbol === 16 ? 2 : symbol === 17 ? 3 : 7);
    if (extra < 0) return true;
    if (symbol === 16 && lengths.length === 0) return false;
    const repeat = (symbol === 16 ? 3 : symbol === 17 ? 3 : 11) + extra;
    if (lengths.length + repeat > literals + distances) return false;
    const value = symbol === 16 ? lengths[lengths.length - 1]! : 0;
    for (let i = 0; i < repeat; i++) lengths.push(value);
  }
  if (lengths[256] === 0) return false;
  // Complete, or a single code of one bit (the one incomplete code zlib accepts).
  const complete = (code: CanonicalCode) => code.kraft === FULL_KRAFT || (code.used === 1 && code.count[1] === 1);
  const distance = canonicalCode(lengths.slice(literals));
  return complete(canonicalCode(lengths.slice(0, literals))) && (complete(distance) || distance.used === 0);
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
    if (uncompressed < 0) return true;
    // Stored bytes: the bits up to the byte boundary are padding, and must be zero.
    if (uncompressed === 1) return mlen <= b.length && r.toByteBoundary();
  }
  return brotliFirstPrefixCodePlausible(r);
}

/** VarLenUint8 of RFC 7932 9.2 (0..255); -1 past the end. */
function varLenUint8(r: BitReader): number {
  const more = r.bits(1);
  if (more <= 0) return more;
  const n = r.bits(3);
  if (n <= 0) return n < 0 ? -1 : 1;
  const extra = r.bits(n);
  return extra < 0 ? -1 : (1 << n) + extra;
}

/**
 * The rest of a compressed meta-block header up to its first prefix code (a block-type code, a
 * context map's code or the first literal code), which must be valid.
 */
function brotliFirstPrefixCodePlausible(r: BitReader): boolean {
  for (let category = 0; category < 3; category++) {
    const types = varLenUint8(r);
    if (types < 0) return true;
    if (types >= 1) return prefixCodePlausible(r, types + 1 + 2);
  }
  if (r.bits(2 + 4 + 2) < 0) return true; // NPOSTFIX, NDIRECT, the one literal context mode
  for (let map = 0; map < 2; map++) {
    const trees = varLenUint8(r);
    if (trees < 0) return true;
    if (trees >= 1) {
      const rle = r.bits(1);
      if (rle < 0) return true;
      const rleMax = rle === 0 ? 0 : r.bits(4) + 1;
      if (rleMax < 0) return true;
      return prefixCodePlausible(r, trees + 1 + rleMax);
    }
  }
  return prefixCodePlausible(r, 256);
}

/** Bits needed for a symbol below `size` (what brotli's decoder calls Log2Floor(size - 1)). */
function bitLength(n: number): number {
  let bits = 0;
  while (n > 0) {
    n >>>= 1;
    bits++;
  }
  return bits;
}

/** Lengths and values of brotli's code-length code lengths, indexed by the next 4 bits (RFC 7932 3.5). */
const CL_PREFIX_LENGTH = [2, 2, 2, 3, 2, 2, 2, 4, 2, 2, 2, 3, 2, 2, 2, 4];
const CL_PREFIX_VALUE = [0, 4, 3, 2, 0, 4, 3, 1, 0, 4, 3, 2, 0, 4, 3, 5];

/**
 * A brotli prefix code description (RFC 7932 3.4, 3.5): a simple code names distinct symbols of the
 * alphabet; a complex code's code-length code must fill its space exactly (or be a single code).
 */
function prefixCodePlausible(r: BitReader, alphabetSize: number): boolean {
  const hskip = r.bits(2);
  if (hskip < 0) return true;
  if (hskip === 1) {
    const count = r.bits(2);
    if (count < 0) return true;
    const bits = bitLength(alphabetSize - 1);
    const symbols: number[] = [];
    for (let i = 0; i <= count; i++) {
      const symbol = r.bits(bits);
      if (symbol < 0) return true;
      if (symbol >= alphabetSize || symbols.includes(symbol)) return false;
      symbols.push(symbol);
    }
    return true;
  }
  let space = 32;
  let codes = 0;
  for (let i = hskip; i < 18; i++) {
    const ix = r.peek(4);
    if (ix < 0) return true;
    r.bits(CL_PREFIX_LENGTH[ix]!);
    const value = CL_PREFIX_VALUE[ix]!;
    if (value !== 0) {
      space -= 32 >> value;
      codes++;
      if (space <= 0) break;
    }
  }
  return codes === 1 || space === 0;
}
