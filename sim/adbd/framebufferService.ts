import type { DeviceServices } from '../services.js';
import type { AdbdStream } from './adbdStream.js';

/**
 * `framebuffer:`: AOSP adbd daemon/framebuffer_service.cpp (android-10.0.0_r1) runs `screencap`
 * and reads its raw dump (width, height, pixel format, and from Android 9 a colour space), then
 * answers a `struct fbinfo` of little-endian u32s — version, bpp, [colorSpace when version 2],
 * size, width, height, red offset/length, blue offset/length, green offset/length, alpha
 * offset/length — followed by the pixels. DDMS_RAWIMAGE_VERSION is 2 where screencap writes the
 * colour space (16-byte header), else 1. Format 1 (RGBA_8888) is bpp 32 with red at 0, green at 8,
 * blue at 16, alpha at 24. ddmlib and @yume-chan/adb's framebuffer() read exactly this.
 */
export async function runFramebuffer(stream: AdbdStream, services: DeviceServices): Promise<void> {
  const proc = services.shell('screencap', { pty: false });
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  proc.stdin.end();
  const code = await proc.exit;
  const raw = Buffer.concat(chunks);
  if (code !== 0 || raw.length < 12) {
    // adbd closes the socket without a header when screencap fails (clients read nothing).
    stream.end();
    return;
  }
  const width = raw.readUInt32LE(0);
  const height = raw.readUInt32LE(4);
  const format = raw.readUInt32LE(8);
  const size = width * height * 4;
  const headerLength = raw.length - size === 16 ? 16 : 12;
  if (format !== 1 || raw.length - headerLength !== size) {
    stream.end();
    return;
  }
  const version = headerLength === 16 ? 2 : 1;
  const fields = version === 2 ? [2, 32, raw.readUInt32LE(12), size, width, height] : [1, 32, size, width, height];
  fields.push(0, 8, 16, 8, 8, 8, 24, 8);
  const header = Buffer.alloc(fields.length * 4);
  fields.forEach((v, i) => header.writeUInt32LE(v, i * 4));
  stream.end(Buffer.concat([header, raw.subarray(headerLength)]));
}
