import { readFile } from 'node:fs/promises';

/** One autonomous system: its number and the network's owner as the database names it. */
export interface AsnEntry {
  asn: number;
  org: string;
}

/**
 * An IP-to-ASN table from a sorted range CSV as @ip-location-db/asn ships it
 * (`start,end,asn,"organisation"`, start and end as decimal integers). Only line offsets and the
 * start of each range are held; a lookup parses one line, so a 21 MB file costs one pass and two
 * typed arrays, not 400,000 strings.
 */
export class AsnTable {
  private constructor(
    private readonly text: Buffer,
    private readonly offsets: Uint32Array,
    private readonly startsV4: Float64Array | undefined,
    private readonly startsV6: bigint[] | undefined,
  ) {}

  static async load(file: string, family: 4 | 6): Promise<AsnTable> {
    const text = await readFile(file);
    const offsets: number[] = [];
    const v4: number[] = [];
    const v6: bigint[] = [];
    let lineStart = 0;
    while (lineStart < text.length) {
      let lineEnd = text.indexOf(0x0a, lineStart);
      if (lineEnd < 0) lineEnd = text.length;
      // The range's start: the decimal digits before the first comma.
      let i = lineStart;
      let v4value = 0;
      while (i < lineEnd && text[i]! >= 0x30 && text[i]! <= 0x39) {
        if (family === 4) v4value = v4value * 10 + (text[i]! - 0x30);
        i++;
      }
      if (i > lineStart && text[i] === 0x2c) {
        offsets.push(lineStart);
        if (family === 4) v4.push(v4value);
        else v6.push(BigInt(text.toString('latin1', lineStart, i)));
      }
      lineStart = lineEnd + 1;
    }
    return new AsnTable(text, Uint32Array.from(offsets), family === 4 ? Float64Array.from(v4) : undefined, family === 6 ? v6 : undefined);
  }

  get size(): number {
    return this.offsets.length;
  }

  /** The range holding `value` (an IPv4 address as a number, an IPv6 one as a bigint). */
  lookup(value: number | bigint): AsnEntry | undefined {
    const starts = this.startsV4 ?? this.startsV6!;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const fields = this.line(found);
    if (!fields) return undefined;
    const end = this.startsV4 ? Number(fields[1]) : BigInt(fields[1]!);
    if (value > end) return undefined;
    return { asn: Number(fields[2]), org: fields[3] ?? '' };
  }

  /** Line `i` split into its four CSV fields (the last one may be quoted, with "" for a quote). */
  private line(i: number): string[] | undefined {
    const from = this.offsets[i]!;
    let to = this.text.indexOf(0x0a, from);
    if (to < 0) to = this.text.length;
    const line = this.text.toString('utf8', from, to).replace(/\r$/, '');
    const m = /^(\d+),(\d+),(\d+),(.*)$/.exec(line);
    if (!m) return undefined;
    let org = m[4]!;
    if (org.startsWith('"') && org.endsWith('"') && org.length >= 2) org = org.slice(1, -1).replace(/""/g, '"');
    return [m[1]!, m[2]!, m[3]!, org];
  }
}

/** An IPv4 address as an unsigned number, an IPv6 one as a bigint (for the range tables). */
export function ipValue(address: string): { family: 4; value: number } | { family: 6; value: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: ((parts[0]! * 256 + parts[1]!) * 256 + parts[2]!) * 256 + parts[3]! };
  }
  if (!address.includes(':')) return undefined;
  const [head, tail, extra] = address.split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return { family: 6, value };
}
