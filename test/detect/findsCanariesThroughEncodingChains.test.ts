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

/**
 * Quoted-printable (RFC 2045 §6.7) as a strict encoder may write it: every byte but letters and
 * digits as =XX (rule 1 allows it for any byte), lines of at most 76 characters ended by soft
 * line breaks ('=' CRLF), escapes never split.
 */
export function quotedPrintable(bytes: Buffer): Buffer {
  let out = '';
  let line = 0;
  for (const b of bytes) {
    const piece = /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '=' + b.toString(16).toUpperCase().padStart(2, '0');
    if (line + piece.length > 75) {
      out += '=\r\n';
      line = 0;
    }
    out += piece;
    line += piece.length;
  }
  return Buffer.from(out, 'latin1');
}

/** android.util.Base64.encode with DEFAULT flags: 76 characters a line, each line ended by '\n' (the last too). */
function androidBase64(bytes: Buffer): Buffer {
  const b64 = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + '\n';
  return Buffer.from(out, 'latin1');
}

/** Gson's default HTML-safe escaping: < > & = ' as \u003c \u003e \u0026 \u003d \u0027. */
function gsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&=']/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

let boundaries = 0;

function multipart(body: Buffer, partHeaders = ''): Buffer {
  const b = `b0undary${++boundaries}x`;
  return Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="f"\r\n${partHeaders}\r\n`), body, Buffer.from(`\r\n--${b}--\r\n`)]);
}

interface Encoding {
  name: string;
  /** undefined when the encoding cannot carry this input (JSON needs text). */
  encode: (input: Buffer) => Buffer | undefined;
  /** Labels the detector puts in the chain for this layer (outermost first), given input and output. */
  label: (input: Buffer, output: Buffer) => string | string[] | undefined;
  /** Added with the decoder plug-ins: tried in every pair, and in a sample of the triples. */
  sampled?: boolean;
}

const ENCODINGS: Encoding[] = [
  { name: 'percent', encode: percent, label: (i, o) => (i.equals(o) ? undefined : 'urldecode') },
  { name: 'form', encode: (i) => Buffer.from(`a=1&f=${percent(i).toString('latin1')}&z=2`, 'latin1'), label: () => 'form[f]' },
  { name: 'multipart', encode: (i) => multipart(i), label: () => 'multipart[f]' },
  { name: 'json', encode: (i) => (isUtf8(i) ? Buffer.from(JSON.stringify({ a: 1, f: i.toString('utf8'), z: [true] })) : undefined), label: () => 'json.f' },
  { name: 'base64', encode: (i) => Buffer.from(i.toString('base64')), label: () => 'base64' },
  { name: 'base64url', encode: (i) => Buffer.from(i.toString('base64url')), label: (_i, o) => (/[-_]/.test(o.toString('latin1')) ? 'base64url' : 'base64') },
  { name: 'hex', encode: (i) => Buffer.from(i.toString('hex')), label: () => 'hex' },
  { name: 'gzip', encode: (i) => gzipSync(i), label: () => 'gzip (magic)' },
  { name: 'deflate', encode: (i) => deflateSync(i), label: () => 'deflate (magic)' },
  { name: 'brotli', encode: (i) => brotliCompressSync(i), label: () => 'brotli (probed)' },
  { name: 'protobuf', encode: protobuf, label: () => 'protobuf[2]' },
  {
    name: 'multipart-qp',
    encode: (i) => multipart(quotedPrintable(i), 'Content-Transfer-Encoding: quoted-printable\r\n'),
    label: (i) => (quotedPrintable(i).equals(i) ? 'multipart[f]' : ['multipart[f]', 'quoted-printable']),
    sampled: true,
  },
  // Undeclared: found by its soft line breaks and escapes, so only where it has both.
  { name: 'qp-text', encode: (i) => (/=\r\n/.test(quotedPrintable(i).toString('latin1')) && /=[0-9A-F]{2}/.test(quotedPrintable(i).toString('latin1')) ? quotedPrintable(i) : undefined), label: () => 'quoted-printable', sampled: true },
  { name: 'multipart-base64', encode: (i) => multipart(androidBase64(i), 'Content-Transfer-Encoding: base64\r\n'), label: () => ['multipart[f]', 'base64'], sampled: true },
  { name: 'android-base64', encode: androidBase64, label: () => 'base64', sampled: true },
  { name: 'gson', encode: (i) => (isUtf8(i) ? Buffer.from(`{"a":1,"f":${gsonString(i.toString('utf8'))},"z":[true]}`) : undefined), label: () => 'json.f', sampled: true },
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
    if (label) labels.unshift(...(typeof label === 'string' ? [label] : label));
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
      let n = 0;
      for (const middle of ENCODINGS) {
        for (const outer of ENCODINGS) {
          const chain = [inner, middle, outer];
          // Every triple of the first encodings; one in three of those with a newer one (a fixed sample).
          if (chain.some((e) => e.sampled) && n++ % 3 !== 0) continue;
          if (supported(chain)) failures.push(...(await check(chain)));
        }
      }
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
