import { inflateRawSync } from 'node:zlib';

export interface ApkInfo {
  package: string;
  versionCode: number;
  versionName: string;
}

export class ApkParseError extends Error {}

const MAX_MANIFEST = 4 * 1024 * 1024;

/** Finds AndroidManifest.xml in the APK (a zip) and returns its bytes. */
function manifestBytes(apk: Buffer): Buffer {
  const minEocd = Math.max(0, apk.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = apk.length - 22; i >= minEocd; i--) {
    if (apk.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ApkParseError('not a zip archive');
  const count = apk.readUInt16LE(eocd + 10);
  let cursor = apk.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (cursor + 46 > apk.length || apk.readUInt32LE(cursor) !== 0x02014b50) throw new ApkParseError('corrupt zip central directory');
    const method = apk.readUInt16LE(cursor + 10);
    const compressed = apk.readUInt32LE(cursor + 20);
    const size = apk.readUInt32LE(cursor + 24);
    const nameLength = apk.readUInt16LE(cursor + 28);
    const extra = apk.readUInt16LE(cursor + 30);
    const comment = apk.readUInt16LE(cursor + 32);
    const local = apk.readUInt32LE(cursor + 42);
    const name = apk.toString('utf8', cursor + 46, cursor + 46 + nameLength);
    cursor += 46 + nameLength + extra + comment;
    if (name !== 'AndroidManifest.xml') continue;
    if (size > MAX_MANIFEST) throw new ApkParseError('AndroidManifest.xml is too large');
    if (local + 30 > apk.length || apk.readUInt32LE(local) !== 0x04034b50) throw new ApkParseError('corrupt zip local header');
    const start = local + 30 + apk.readUInt16LE(local + 26) + apk.readUInt16LE(local + 28);
    const raw = apk.subarray(start, start + compressed);
    if (method === 0) return raw;
    if (method === 8) return inflateRawSync(raw, { maxOutputLength: MAX_MANIFEST });
    throw new ApkParseError(`unsupported zip compression method ${method}`);
  }
  throw new ApkParseError('AndroidManifest.xml not found');
}

function readStringPool(xml: Buffer, offset: number): string[] {
  const count = xml.readUInt32LE(offset + 8);
  const flags = xml.readUInt32LE(offset + 16);
  const stringsStart = xml.readUInt32LE(offset + 20);
  const headerSize = xml.readUInt16LE(offset + 2);
  const utf8 = (flags & 0x100) !== 0;
  const strings: string[] = [];
  for (let i = 0; i < Math.min(count, 100000); i++) {
    let p = offset + stringsStart + xml.readUInt32LE(offset + headerSize + i * 4);
    if (utf8) {
      p += xml[p]! & 0x80 ? 2 : 1;
      let len = xml[p]!;
      if (len & 0x80) {
        len = ((len & 0x7f) << 8) | xml[p + 1]!;
        p += 2;
      } else p += 1;
      strings.push(xml.toString('utf8', p, p + len));
    } else {
      let len = xml.readUInt16LE(p);
      if (len & 0x8000) {
        len = ((len & 0x7fff) << 16) | xml.readUInt16LE(p + 2);
        p += 4;
      } else p += 2;
      strings.push(xml.toString('utf16le', p, p + len * 2));
    }
  }
  return strings;
}

/** Reads package, versionCode and versionName from the binary XML (AXML) manifest. */
export function parseApk(apk: Buffer): ApkInfo {
  const xml = manifestBytes(apk);
  try {
    if (xml.readUInt16LE(0) !== 0x0003) throw new ApkParseError('AndroidManifest.xml is not binary XML');
    let strings: string[] = [];
    let offset = xml.readUInt16LE(2);
    while (offset + 8 <= xml.length) {
      const type = xml.readUInt16LE(offset);
      const size = xml.readUInt32LE(offset + 4);
      if (size < 8) break;
      if (type === 0x0001) strings = readStringPool(xml, offset);
      if (type === 0x0102) {
        const name = strings[xml.readUInt32LE(offset + 20)];
        if (name === 'manifest') {
          const attrStart = xml.readUInt16LE(offset + 24);
          const attrSize = xml.readUInt16LE(offset + 26);
          const attrCount = xml.readUInt16LE(offset + 28);
          const info: ApkInfo = { package: '', versionCode: 0, versionName: '' };
          for (let a = 0; a < attrCount; a++) {
            const at = offset + 16 + attrStart + a * attrSize;
            const attr = strings[xml.readUInt32LE(at + 4)];
            const raw = xml.readInt32LE(at + 8);
            const dataType = xml[at + 15]!;
            const data = xml.readUInt32LE(at + 16);
            const text = dataType === 0x03 ? strings[data] ?? '' : raw >= 0 ? strings[raw] ?? '' : String(data);
            if (attr === 'package') info.package = text;
            else if (attr === 'versionCode') info.versionCode = dataType === 0x03 ? Number(text) || 0 : data;
            else if (attr === 'versionName') info.versionName = text;
          }
          if (!info.package) throw new ApkParseError('<manifest> has no package attribute');
          return info;
        }
      }
      offset += size;
    }
  } catch (error) {
    if (error instanceof ApkParseError) throw error;
    throw new ApkParseError(`corrupt binary XML: ${(error as Error).message}`);
  }
  throw new ApkParseError('no <manifest> element');
}
