import { crc32, deflateRawSync } from 'node:zlib';

type XmlEvent = { start: string; attrs: Array<[string, string | number]> } | { end: string };

/** Binary XML (AXML) for a manifest, as aapt writes it: a UTF-16 string pool, then start/end element chunks. */
function binaryXml(events: XmlEvent[]): Buffer {
  const strings: string[] = [];
  const index = (s: string) => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return i;
  };
  const chunks: Buffer[] = [];
  for (const event of events) {
    if ('end' in event) {
      const end = Buffer.alloc(24);
      end.writeUInt16LE(0x0103, 0);
      end.writeUInt16LE(16, 2);
      end.writeUInt32LE(24, 4);
      end.writeUInt32LE(1, 8);
      end.writeUInt32LE(0xffffffff, 12);
      end.writeUInt32LE(0xffffffff, 16);
      end.writeUInt32LE(index(event.end), 20);
      chunks.push(end);
      continue;
    }
    const element = Buffer.alloc(36 + event.attrs.length * 20);
    element.writeUInt16LE(0x0102, 0);
    element.writeUInt16LE(16, 2);
    element.writeUInt32LE(element.length, 4);
    element.writeUInt32LE(1, 8);
    element.writeUInt32LE(0xffffffff, 12);
    element.writeUInt32LE(0xffffffff, 16);
    element.writeUInt32LE(index(event.start), 20);
    element.writeUInt16LE(20, 24);
    element.writeUInt16LE(20, 26);
    element.writeUInt16LE(event.attrs.length, 28);
    event.attrs.forEach(([name, value], i) => {
      const o = 36 + i * 20;
      element.writeUInt32LE(0xffffffff, o);
      element.writeUInt32LE(index(name), o + 4);
      element.writeUInt16LE(8, o + 12);
      if (typeof value === 'number') {
        element.writeUInt32LE(0xffffffff, o + 8);
        element.writeUInt8(0x10, o + 15);
        element.writeUInt32LE(value >>> 0, o + 16);
      } else {
        const v = index(value);
        element.writeUInt32LE(v, o + 8);
        element.writeUInt8(0x03, o + 15);
        element.writeUInt32LE(v, o + 16);
      }
    });
    chunks.push(element);
  }
  const encoded = strings.map((s) => {
    const head = Buffer.alloc(2);
    head.writeUInt16LE(s.length);
    return Buffer.concat([head, Buffer.from(s, 'utf16le'), Buffer.alloc(2)]);
  });
  const offsets = Buffer.alloc(4 * strings.length);
  let at = 0;
  encoded.forEach((e, i) => {
    offsets.writeUInt32LE(at, i * 4);
    at += e.length;
  });
  let data = Buffer.concat(encoded);
  if (data.length % 4) data = Buffer.concat([data, Buffer.alloc(4 - (data.length % 4))]);
  const poolHeader = Buffer.alloc(28);
  poolHeader.writeUInt16LE(0x0001, 0);
  poolHeader.writeUInt16LE(28, 2);
  poolHeader.writeUInt32LE(28 + offsets.length + data.length, 4);
  poolHeader.writeUInt32LE(strings.length, 8);
  poolHeader.writeUInt32LE(0, 12);
  poolHeader.writeUInt32LE(0, 16); // UTF-16
  poolHeader.writeUInt32LE(28 + offsets.length, 20);
  poolHeader.writeUInt32LE(0, 24);
  const pool = Buffer.concat([poolHeader, offsets, data]);
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0003, 0);
  header.writeUInt16LE(8, 2);
  header.writeUInt32LE(8 + pool.length + body.length, 4);
  return Buffer.concat([header, pool, body]);
}

/** `<manifest package versionCode versionName>`, optionally with one launcher `<activity>` (MAIN + LAUNCHER). */
function binaryManifest(pkg: string, versionCode: number, versionName: string, launcherActivity?: string): Buffer {
  const events: XmlEvent[] = [{ start: 'manifest', attrs: [['package', pkg], ['versionCode', versionCode], ['versionName', versionName]] }];
  if (launcherActivity) {
    events.push(
      { start: 'application', attrs: [] },
      { start: 'activity', attrs: [['name', '.Settings']] }, { end: 'activity' },
      { start: 'activity', attrs: [['name', launcherActivity]] },
      { start: 'intent-filter', attrs: [] },
      { start: 'action', attrs: [['name', 'android.intent.action.MAIN']] }, { end: 'action' },
      { start: 'category', attrs: [['name', 'android.intent.category.LAUNCHER']] }, { end: 'category' },
      { end: 'intent-filter' }, { end: 'activity' }, { end: 'application' },
    );
  }
  events.push({ end: 'manifest' });
  return binaryXml(events);
}

/** A minimal APK: a zip holding a deflated binary AndroidManifest.xml and a classes.dex stand-in. */
export function buildApk(pkg: string, versionCode: number, versionName: string, padding = 0, options: { launcherActivity?: string } = {}): Buffer {
  const entries = [
    { name: 'AndroidManifest.xml', data: binaryManifest(pkg, versionCode, versionName, options.launcherActivity) },
    { name: 'classes.dex', data: Buffer.alloc(padding, 0x5a) },
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = deflateRawSync(entry.data);
    const name = Buffer.from(entry.name);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
