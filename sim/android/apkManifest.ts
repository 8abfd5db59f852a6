import { inflateRawSync } from 'node:zlib';

export interface ApkInfo {
  package: string;
  versionCode: number;
  versionName: string;
  /** The activity (or activity-alias) with a MAIN + LAUNCHER intent filter, fully qualified; absent when none. */
  launcherActivity?: string;
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

/** Reads package, versionCode, versionName and the launcher activity from the binary XML (AXML) manifest. */
export function parseApk(apk: Buffer): ApkInfo {
  const xml = manifestBytes(apk);
  let info: ApkInfo | null = null;
  try {
    if (xml.readUInt16LE(0) !== 0x0003) throw new ApkParseError('AndroidManifest.xml is not binary XML');
    let strings: string[] = [];
    let offset = xml.readUInt16LE(2);
    // The <activity>/<activity-alias> being read, and whether its current <intent-filter> has MAIN and LAUNCHER.
    let activity: string | null = null;
    let filter: { main: boolean; launcher: boolean } | null = null;
    while (offset + 8 <= xml.length) {
      const type = xml.readUInt16LE(offset);
      const size = xml.readUInt32LE(offset + 4);
      if (size < 8) break;
      if (type === 0x0001) strings = readStringPool(xml, offset);
      if (type === 0x0102) {
        const name = strings[xml.readUInt32LE(offset + 20)];
        const attrStart = xml.readUInt16LE(offset + 24);
        const attrSize = xml.readUInt16LE(offset + 26);
        const attrCount = xml.readUInt16LE(offset + 28);
        const attrs = new Map<string, { text: string; data: number; dataType: number }>();
        for (let a = 0; a < Math.min(attrCount, 1000); a++) {
          const at = offset + 16 + attrStart + a * attrSize;
          const attr = strings[xml.readUInt32LE(at + 4)] ?? '';
          const raw = xml.readInt32LE(at + 8);
          const dataType = xml[at + 15]!;
          const data = xml.readUInt32LE(at + 16);
          attrs.set(attr, { text: dataType === 0x03 ? strings[data] ?? '' : raw >= 0 ? strings[raw] ?? '' : String(data), data, dataType });
        }
        if (name === 'manifest') {
          const pkg = attrs.get('package')?.text ?? '';
          if (!pkg) throw new ApkParseError('<manifest> has no package attribute');
          const code = attrs.get('versionCode');
          info = { package: pkg, versionCode: code ? (code.dataType === 0x03 ? Number(code.text) || 0 : code.data) : 0, versionName: attrs.get('versionName')?.text ?? '' };
        } else if (name === 'activity' || name === 'activity-alias') {
          activity = attrs.get('name')?.text ?? null;
        } else if (name === 'intent-filter' && activity) {
          filter = { main: false, launcher: false };
        } else if (filter && name === 'action' && attrs.get('name')?.text === 'android.intent.action.MAIN') filter.main = true;
        else if (filter && name === 'category' && attrs.get('name')?.text === 'android.intent.category.LAUNCHER') filter.launcher = true;
      } else if (type === 0x0103) {
        const name = strings[xml.readUInt32LE(offset + 20)];
        if (name === 'intent-filter' && filter) {
          if (filter.main && filter.launcher && activity && info && !info.launcherActivity) {
            info.launcherActivity = activity.startsWith('.') ? info.package + activity : activity.includes('.') ? activity : `${info.package}.${activity}`;
          }
          filter = null;
        } else if (name === 'activity' || name === 'activity-alias') activity = null;
      }
      offset += size;
    }
  } catch (error) {
    if (error instanceof ApkParseError) throw error;
    throw new ApkParseError(`corrupt binary XML: ${(error as Error).message}`);
  }
  if (!info) throw new ApkParseError('no <manifest> element');
  return info;
}
