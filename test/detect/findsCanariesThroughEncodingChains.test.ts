import { expect } from 'chai';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { LeakFinder } from '../../harness/detect/index.js';
import type { Canary } from '../../harness/detect/index.js';
import { makeFlow, varint } from './flowFixtures.js';

/** A protobuf message {1: 150, 2: payload, 3: {1: "x"}} written by hand (wire format). */
function protobuf(payload: Buffer): Buffer {
  const nested = Buffer.concat([Buffer.from([0x0a]), varint(1), Buffer.from('x')]);
  return Buffer.concat([Buffer.from([0x08]), varint(150), Buffer.from([0x12]), varint(payload.length), payload, Buffer.from([0x1a]), varint(nested.length), nested]);
}

function percent(bytes: Buffer): Buffer {
  let out = '';
  for (const b of bytes) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  return Buffer.from(out, 'latin1');
}

let boundaries = 0;

interface Encoding {
  name: string;
  /** undefined when the encoding cannot carry this input (JSON needs text). */
  encode: (input: Buffer) => Buffer | undefined;
  /** Label the detector puts in the chain for this layer, given input and output. */
  label: (input: Buffer, output: Buffer) => string | undefined;
}

const ENCODINGS: Encoding[] = [
  { name: 'percent', encode: percent, label: (i, o) => (i.equals(o) ? undefined : 'urldecode') },
  { name: 'form', encode: (i) => Buffer.from(`a=1&f=${percent(i).toString('latin1')}&z=2`, 'latin1'), label: () => 'form[f]' },
  {
    name: 'multipart',
    encode: (i) => {
      const b = `b0undary${++boundaries}x`;
      return Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="f"\r\n\r\n`), i, Buffer.from(`\r\n--${b}--\r\n`)]);
    },
    label: () => 'multipart[f]',
  },
  { name: 'json', encode: (i) => (isUtf8(i) ? Buffer.from(JSON.stringify({ a: 1, f: i.toString('utf8'), z: [true] })) : undefined), label: () => 'json.f' },
  { name: 'base64', encode: (i) => Buffer.from(i.toString('base64')), label: () => 'base64' },
  { name: 'base64url', encode: (i) => Buffer.from(i.toString('base64url')), label: (_i, o) => (/[-_]/.test(o.toString('latin1')) ? 'base64url' : 'base64') },
  { name: 'hex', encode: (i) => Buffer.from(i.toString('hex')), label: () => 'hex' },
  { name: 'gzip', encode: (i) => gzipSync(i), label: () => 'gzip' },
  { name: 'deflate', encode: (i) => deflateSync(i), label: () => 'deflate' },
  { name: 'brotli', encode: (i) => brotliCompressSync(i), label: () => 'brotli' },
  { name: 'protobuf', encode: protobuf, label: () => 'protobuf[2]' },
];

const canary: Canary = { kind: 'search-term', value: 'phonehome zq4k7m2x' };
const other: Canary = { kind: 'visit-token', value: 'phnevrsent2k7qzx4m9a' };
const finder = new LeakFinder({ canaries: [canary, other] });

const PLAINTEXTS: Array<[string, (c: string) => string]> = [
  ['start', (c) => `${c} was typed, then the page https://news.example.com/a?b=c loaded fine`],
  ['middle', (c) => `event=search; query: ${c}; engine=https://www.google.com/search?x=1 ok`],
  ['end', (c) => `the user searched the web for the words ${c}`],
];

/** Consecutive protobuf layers are one message with nested fields: protobuf[2.2]. */
function mergeProtobuf(chain: string[]): string[] {
  const out: string[] = [];
  for (const label of chain) {
    const last = out[out.length - 1];
    if (last?.startsWith('protobuf[') && label.startsWith('protobuf[')) out[out.length - 1] = `protobuf[${last.slice(9, -1)}.${label.slice(9, -1)}]`;
    else out.push(label);
  }
  return out;
}

/** Applies the encodings innermost first; returns the body and the chain the detector must report. */
function build(plain: string, chain: Encoding[]): { body: Buffer; expected: string[] } | undefined {
  let bytes: Buffer = Buffer.from(plain, 'utf8');
  const labels: string[] = [];
  for (const e of chain) {
    const next = e.encode(bytes);
    if (!next) return undefined;
    const label = e.label(bytes, next);
    if (label) labels.unshift(label);
    bytes = next;
  }
  return { body: bytes, expected: ['body', ...mergeProtobuf(labels)] };
}

/** Raw brotli has no magic number: a brotli stream inside brotli is indistinguishable from noise. */
function supported(chain: Encoding[]): boolean {
  for (let i = 1; i < chain.length; i++) if (chain[i]!.name === 'brotli' && chain[i - 1]!.name === 'brotli') return false;
  return true;
}

async function check(chain: Encoding[]): Promise<string[]> {
  const failures: string[] = [];
  for (const [where, make] of PLAINTEXTS) {
    const built = build(make(canary.value), chain);
    if (!built) continue;
    const scan = await finder.scanFlow(makeFlow({ body: built.body }));
    const mine = scan.findings.filter((f) => f.canary.value === canary.value);
    const name = `${chain.map((e) => e.name).join('∘')} (${where})`;
    if (scan.findings.some((f) => f.canary.value === other.value)) failures.push(`${name}: found a canary that is not there`);
    if (mine.length !== 1) failures.push(`${name}: found ${mine.length} times: ${mine.map((f) => f.chain.join(' › ')).join(' | ')}`);
    else if (mine[0]!.chain.join(' › ') !== built.expected.join(' › ')) failures.push(`${name}: chain ${mine[0]!.chain.join(' › ')}, expected ${built.expected.join(' › ')}`);
    else {
      const { text, start, end } = mine[0]!.excerpt;
      if (text.slice(start, end) !== canary.value) failures.push(`${name}: excerpt does not locate the match: ${JSON.stringify(mine[0]!.excerpt)}`);
    }
    if (scan.undecodable.length > 0) failures.push(`${name}: undecodable ${JSON.stringify(scan.undecodable)}`);
  }
  return failures;
}

describe('detect: a canary is found exactly once, with its decoding chain, through every encoding', () => {
  for (const e of ENCODINGS) {
    it(`alone: ${e.name}`, async () => {
      expect(await check([e])).to.deep.equal([]);
    });
  }

  for (const inner of ENCODINGS) {
    it(`in chains of two, starting with ${inner.name}`, async () => {
      const failures: string[] = [];
      for (const outer of ENCODINGS) if (supported([inner, outer])) failures.push(...(await check([inner, outer])));
      expect(failures).to.deep.equal([]);
    });
  }

  for (const inner of ENCODINGS) {
    it(`in chains of three, starting with ${inner.name}`, async () => {
      const failures: string[] = [];
      for (const middle of ENCODINGS) for (const outer of ENCODINGS) if (supported([inner, middle, outer])) failures.push(...(await check([inner, middle, outer])));
      expect(failures).to.deep.equal([]);
    });
  }

  it('finds md5, sha1 and sha256 digests of a canary, as hex or base64, under further encodings', async () => {
    const failures: string[] = [];
    for (const hash of ['md5', 'sha1', 'sha256'] as const) {
      for (const form of ['hex', 'HEX', 'base64'] as const) {
        const d = createHash(hash).update(canary.value).digest();
        const digest = form === 'hex' ? d.toString('hex') : form === 'HEX' ? d.toString('hex').toUpperCase() : d.toString('base64');
        const label = form === 'base64' ? `${hash}-base64` : hash;
        for (const chain of [[], [ENCODINGS[3]!], [ENCODINGS[3]!, ENCODINGS[7]!, ENCODINGS[4]!]]) {
          const built = build(`{"uid":"${digest}","v":2}`, chain);
          const scan = await finder.scanFlow(makeFlow({ body: built!.body }));
          const mine = scan.findings.filter((f) => f.canary.value === canary.value);
          const raw = chain.length === 0 ? ['body', 'json.uid'] : [...built!.expected, 'json.uid'];
          const expected = [...raw, label].join(' › ');
          const got = mine.map((f) => f.chain.join(' › '));
          if (got.length !== 1 || got[0] !== expected) failures.push(`${hash} ${form} via [${chain.map((e) => e.name)}]: got ${JSON.stringify(got)}, expected ${expected}`);
        }
      }
    }
    expect(failures).to.deep.equal([]);
  });
});
