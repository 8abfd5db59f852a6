import zlib from 'node:zlib';
import { PNG } from 'pngjs';

/**
 * Animated PNG (APNG) from screen frames, in plain TypeScript: every browser plays it in an <img>,
 * and it needs no system tool (no ffmpeg) on the host. Chunk layout from the APNG specification
 * (https://wiki.mozilla.org/APNG_Specification): `acTL` before the first `IDAT` gives the frame and
 * play counts; each frame has an `fcTL` (region, delay, dispose/blend ops); the first frame's data
 * is the default image's `IDAT`, later frames' data is in `fdAT` chunks that carry a sequence number
 * shared with the `fcTL`s. A PNG decoder without APNG support shows the first frame.
 *
 * Frames are scaled down to a bounded width (a box filter keeps text legible) and each frame after
 * the first is only the rectangle that changed (dispose NONE, blend SOURCE), so a page that stays
 * still costs a few bytes per frame.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One frame: RGB pixels (3 bytes each, row-major) and how long it stays on screen. */
export interface RgbFrame {
  width: number;
  height: number;
  rgb: Buffer;
  delayMs: number;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Decodes any PNG a phone returns (screencap -p) and scales it to at most maxWidth wide. The common
 * case, 8-bit RGB or RGBA without interlacing (what Android's screencap and the simulator write), is
 * inflated and unfiltered here (PNG spec §9: filters None, Sub, Up, Average, Paeth) and scaled
 * straight from its scanlines, several times cheaper than a general decoder; anything else goes
 * through pngjs.
 */
export function pngToFrame(png: Buffer, maxWidth: number): Omit<RgbFrame, 'delayMs'> {
  const fast = decodeSimplePng(png);
  if (fast) return scaleRgba(fast.pixels, fast.width, fast.height, maxWidth, fast.bpp);
  const decoded = PNG.sync.read(png);
  return scaleRgba(decoded.data, decoded.width, decoded.height, maxWidth);
}

/** 8-bit RGB/RGBA, non-interlaced PNG → packed pixels (bpp 3 or 4); undefined for any other kind. */
function decodeSimplePng(png: Buffer): { width: number; height: number; bpp: number; pixels: Buffer } | undefined {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE) || png.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const [depth, colour, , , interlace] = [png[24], png[25], png[26], png[27], png[28]];
  if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0 || width === 0 || height === 0) return undefined;
  const bpp = colour === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const stride = width * bpp;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * height) throw new Error(`PNG data too short for ${width}x${height}`);
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    if (filter === 0) {
      raw.copy(out, row, src, src + stride);
      continue;
    }
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[row + i - bpp]! : 0;
      const b = y > 0 ? out[up + i]! : 0;
      const c = i >= bpp && y > 0 ? out[up + i - bpp]! : 0;
      let predictor: number;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`PNG row ${y} has unknown filter type ${filter}`);
      out[row + i] = (raw[src + i]! + predictor) & 0xff;
    }
  }
  return { width, height, bpp, pixels: out };
}

/** Box-filter downscale of RGBA (or RGB, bpp 3) to RGB (no upscale): each target pixel averages the source pixels it covers. */
export function scaleRgba(rgba: Buffer, width: number, height: number, maxWidth: number, bpp = 4): Omit<RgbFrame, 'delayMs'> {
  const scale = Math.min(1, maxWidth / width);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const out = Buffer.alloc(w * h * 3);
  // Source column range of each target column, computed once.
  const xs = new Int32Array(w + 1);
  for (let x = 0; x <= w; x++) xs[x] = Math.min(width, Math.round((x * width) / w));
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(height - 1, Math.round((y * height) / h));
    const y1 = Math.max(y0 + 1, Math.min(height, Math.round(((y + 1) * height) / h)));
    for (let x = 0; x < w; x++) {
      const x0 = xs[x]!;
      const x1 = Math.max(x0 + 1, xs[x + 1]!);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        let s = (sy * width + x0) * bpp;
        for (let sx = x0; sx < x1; sx++, s += bpp) {
          r += rgba[s]!;
          g += rgba[s + 1]!;
          b += rgba[s + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const q = (y * w + x) * 3;
      out[q] = Math.round(r / n);
      out[q + 1] = Math.round(g / n);
      out[q + 2] = Math.round(b / n);
    }
  }
  return { width: w, height: h, rgb: out };
}

/** The smallest rectangle where two same-sized frames differ; undefined when they are identical. */
export function changedRegion(a: Buffer, b: Buffer, width: number, height: number): { x: number; y: number; w: number; h: number } | undefined {
  let top = -1;
  let bottom = -1;
  let left = width;
  let right = -1;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    if (a.compare(b, row, row + stride, row, row + stride) === 0) continue;
    if (top < 0) top = y;
    bottom = y;
    for (let x = 0; x < left; x++) {
      const p = row + x * 3;
      if (a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2]) {
        left = x;
        break;
      }
    }
    for (let x = width - 1; x > right; x--) {
      const p = row + x * 3;
      if (a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2]) {
        right = x;
        break;
      }
    }
  }
  if (top < 0) return undefined;
  return { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
}

/** zlib stream of a region's scanlines, each with filter byte 0 (None). */
function regionData(frame: Omit<RgbFrame, 'delayMs'>, r: { x: number; y: number; w: number; h: number }): Buffer {
  const stride = r.w * 3 + 1;
  const raw = Buffer.alloc(stride * r.h);
  for (let y = 0; y < r.h; y++) {
    const from = ((r.y + y) * frame.width + r.x) * 3;
    frame.rgb.copy(raw, y * stride + 1, from, from + r.w * 3);
  }
  return zlib.deflateSync(raw, { level: 6 });
}

/**
 * An APNG of the frames (all the same size; at least one), played once. Identical consecutive
 * frames are merged into one longer frame. Delays are in milliseconds (fcTL delay_num/1000).
 */
export function encodeApng(frames: readonly RgbFrame[]): Buffer {
  if (frames.length === 0) throw new Error('an animated PNG needs at least one frame');
  const { width, height } = frames[0]!;
  for (const f of frames) {
    if (f.width !== width || f.height !== height || f.rgb.length !== width * height * 3) throw new Error(`every frame must be ${width}x${height} RGB`);
  }
  // Merge repeats: a frame identical to the one before only lengthens it.
  const kept: Array<{ frame: RgbFrame; region: { x: number; y: number; w: number; h: number }; delayMs: number }> = [];
  for (const f of frames) {
    const last = kept[kept.length - 1];
    const region = last ? changedRegion(last.frame.rgb, f.rgb, width, height) : { x: 0, y: 0, w: width, h: height };
    if (last && !region) {
      last.delayMs += f.delayMs;
      continue;
    }
    kept.push({ frame: f, region: region!, delayMs: f.delayMs });
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(kept.length, 0);
  actl.writeUInt32BE(1, 4); // num_plays: once (the last frame is the screen the visit left)
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('acTL', actl)];
  let seq = 0;
  kept.forEach(({ frame, region, delayMs }, i) => {
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(seq++, 0);
    fctl.writeUInt32BE(region.w, 4);
    fctl.writeUInt32BE(region.h, 8);
    fctl.writeUInt32BE(region.x, 12);
    fctl.writeUInt32BE(region.y, 16);
    fctl.writeUInt16BE(Math.min(65535, Math.max(0, Math.round(delayMs))), 20); // delay_num
    fctl.writeUInt16BE(1000, 22); // delay_den: milliseconds
    fctl[24] = 0; // dispose_op NONE: the next frame draws over this one
    fctl[25] = 0; // blend_op SOURCE: the region replaces what was there
    parts.push(chunk('fcTL', fctl));
    const data = regionData(frame, region);
    if (i === 0) parts.push(chunk('IDAT', data));
    else {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(seq++, 0);
      parts.push(chunk('fdAT', Buffer.concat([head, data])));
    }
  });
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** A parsed APNG's frames as their chunks describe them (for tests and `phonehome inspect`). */
export interface ApngFrameInfo {
  x: number;
  y: number;
  width: number;
  height: number;
  delayMs: number;
}

/** Reads an APNG's structure back: size, play count and each frame's region and delay; throws on a PNG that is not animated. */
export function readApngStructure(png: Buffer): { width: number; height: number; plays: number; frames: ApngFrameInfo[] } {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  let declared = -1;
  let plays = 0;
  const frames: ApngFrameInfo[] = [];
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'acTL') {
      declared = data.readUInt32BE(0);
      plays = data.readUInt32BE(4);
    } else if (type === 'fcTL') {
      const den = data.readUInt16BE(22) || 100; // spec: a zero denominator means 1/100 s
      frames.push({ width: data.readUInt32BE(4), height: data.readUInt32BE(8), x: data.readUInt32BE(12), y: data.readUInt32BE(16), delayMs: (data.readUInt16BE(20) * 1000) / den });
    }
    at += 12 + length;
  }
  if (declared < 0) throw new Error('a PNG without acTL: not animated');
  if (declared !== frames.length) throw new Error(`acTL declares ${declared} frames, fcTL chunks give ${frames.length}`);
  return { width, height, plays, frames };
}
