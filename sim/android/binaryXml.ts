/**
 * Android Binary XML ("ABX", Android 12+), the format system_server writes its XML state in, and
 * its conversion back to text as `abx2xml` prints it. Wire format after AOSP
 * frameworks/base/core/java/com/android/internal/util/BinaryXmlSerializer.java (android-12):
 * magic `ABX\0`; then one byte per event, the low nibble an XmlPullParser token (START_DOCUMENT 0,
 * END_DOCUMENT 1, START_TAG 2, END_TAG 3, TEXT 4, ATTRIBUTE 15), the high nibble a type (NULL 1,
 * STRING 2, STRING_INTERNED 3, INT 6, BOOLEAN_TRUE 12, BOOLEAN_FALSE 13 — the ones written here);
 * strings are a big-endian u16 byte length and UTF-8; interned strings a u16 index into the
 * strings seen so far, or 0xFFFF followed by a new string. Only what the simulator writes is read.
 */

export interface XmlElement {
  name: string;
  attributes: Array<[string, string | number | boolean]>;
  children: XmlElement[];
}

const START_DOCUMENT = 0;
const END_DOCUMENT = 1;
const START_TAG = 2;
const END_TAG = 3;
const ATTRIBUTE = 15;
const TYPE_NULL = 1 << 4;
const TYPE_STRING = 2 << 4;
const TYPE_STRING_INTERNED = 3 << 4;
const TYPE_INT = 6 << 4;
const TYPE_BOOLEAN_TRUE = 12 << 4;
const TYPE_BOOLEAN_FALSE = 13 << 4;
export const ABX_MAGIC = Buffer.from([0x41, 0x42, 0x58, 0x00]);

/** Serializes one element tree as ABX. */
export function writeBinaryXml(root: XmlElement): Buffer {
  const parts: Buffer[] = [ABX_MAGIC];
  const interned = new Map<string, number>();
  const byte = (b: number) => parts.push(Buffer.from([b]));
  const utf = (s: string) => {
    const body = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length);
    parts.push(len, body);
  };
  const internedUtf = (s: string) => {
    const index = interned.get(s);
    const head = Buffer.alloc(2);
    if (index !== undefined) {
      head.writeUInt16BE(index);
      parts.push(head);
      return;
    }
    head.writeUInt16BE(0xffff);
    parts.push(head);
    utf(s);
    interned.set(s, interned.size);
  };
  const element = (e: XmlElement) => {
    byte(START_TAG | TYPE_STRING_INTERNED);
    internedUtf(e.name);
    for (const [name, value] of e.attributes) {
      if (typeof value === 'boolean') {
        byte(ATTRIBUTE | (value ? TYPE_BOOLEAN_TRUE : TYPE_BOOLEAN_FALSE));
        internedUtf(name);
      } else if (typeof value === 'number') {
        byte(ATTRIBUTE | TYPE_INT);
        internedUtf(name);
        const n = Buffer.alloc(4);
        n.writeInt32BE(value);
        parts.push(n);
      } else {
        byte(ATTRIBUTE | TYPE_STRING);
        internedUtf(name);
        utf(value);
      }
    }
    for (const child of e.children) element(child);
    byte(END_TAG | TYPE_STRING_INTERNED);
    internedUtf(e.name);
  };
  byte(START_DOCUMENT | TYPE_NULL);
  element(root);
  byte(END_DOCUMENT | TYPE_NULL);
  return Buffer.concat(parts);
}

/** Reads ABX back into an element tree; throws on anything else (abx2xml fails on non-ABX input). */
export function readBinaryXml(data: Buffer): XmlElement {
  if (data.length < 4 || !data.subarray(0, 4).equals(ABX_MAGIC)) throw new Error('Invalid magic number');
  let at = 4;
  const strings: string[] = [];
  const need = (n: number) => {
    if (at + n > data.length) throw new Error('Unexpected end of file');
  };
  const utf = () => {
    need(2);
    const len = data.readUInt16BE(at);
    at += 2;
    need(len);
    const s = data.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const internedUtf = () => {
    need(2);
    const index = data.readUInt16BE(at);
    at += 2;
    if (index !== 0xffff) {
      const s = strings[index];
      if (s === undefined) throw new Error(`Invalid interned string index ${index}`);
      return s;
    }
    const s = utf();
    strings.push(s);
    return s;
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < data.length) {
    const event = data[at++]!;
    const token = event & 0x0f;
    const type = event & 0xf0;
    if (token === START_DOCUMENT || token === END_DOCUMENT) continue;
    if (token === START_TAG) {
      const e: XmlElement = { name: internedUtf(), attributes: [], children: [] };
      if (stack.length > 0) stack.at(-1)!.children.push(e);
      else root = e;
      stack.push(e);
    } else if (token === END_TAG) {
      internedUtf();
      stack.pop();
    } else if (token === ATTRIBUTE) {
      const name = internedUtf();
      const owner = stack.at(-1);
      if (!owner) throw new Error('Attribute outside a tag');
      if (type === TYPE_STRING) owner.attributes.push([name, utf()]);
      else if (type === TYPE_STRING_INTERNED) owner.attributes.push([name, internedUtf()]);
      else if (type === TYPE_INT) {
        need(4);
        owner.attributes.push([name, data.readInt32BE(at)]);
        at += 4;
      } else if (type === TYPE_BOOLEAN_TRUE || type === TYPE_BOOLEAN_FALSE) owner.attributes.push([name, type === TYPE_BOOLEAN_TRUE]);
      else throw new Error(`Unsupported attribute type ${type >> 4}`);
    } else {
      throw new Error(`Unsupported token ${token}`);
    }
  }
  if (!root) throw new Error('No root element');
  return root;
}

/**
 * Text XML as Android's FastXmlSerializer writes it (`<?xml version='1.0' encoding='utf-8'
 * standalone='yes' ?>`, self-closing empty elements with ` />`), which is also what abx2xml prints.
 */
export function writeTextXml(root: XmlElement, indent = true): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const lines: string[] = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"];
  const element = (e: XmlElement, depth: number) => {
    const pad = indent ? '    '.repeat(depth) : '';
    const attrs = e.attributes.map(([n, v]) => ` ${n}="${esc(String(v))}"`).join('');
    if (e.children.length === 0) {
      lines.push(`${pad}<${e.name}${attrs} />`);
      return;
    }
    lines.push(`${pad}<${e.name}${attrs}>`);
    for (const child of e.children) element(child, depth + 1);
    lines.push(`${pad}</${e.name}>`);
  };
  element(root, 0);
  return lines.join('\n') + '\n';
}
