import { expect } from 'chai';
import { decodedRunLength, decodeRun, decodeRunInto, findEncodedRuns, type EncodedRun } from '../../harness/detect/encodedRuns.js';

/**
 * The definition, written the slow way: maximal runs of base64/hex characters over the whole buffer
 * (plus up to two '='), classified, then every run that overlaps a covered span dropped.
 */
function reference(buf: Buffer, covered: Array<[number, number]>, minChars = 16): EncodedRun[] {
  const isRun = (c: number) => /[A-Za-z0-9+/_-]/.test(String.fromCharCode(c));
  const out: EncodedRun[] = [];
  let i = 0;
  while (i < buf.length) {
    if (!isRun(buf[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < buf.length && isRun(buf[i]!)) i++;
    const bodyEnd = i;
    while (i < buf.length && i - bodyEnd < 2 && buf[i] === 0x3d) i++;
    const end = i;
    const text = buf.toString('latin1', start, end);
    if (end - start < minChars || covered.some(([a, z]) => a < end && z > start)) continue;
    const body = buf.toString('latin1', start, bodyEnd);
    if (/^\d+$/.test(body) && (end - start < 2 * minChars || end !== bodyEnd || (end - start) % 2 !== 0)) continue;
    if (/^[0-9a-fA-F]+$/.test(body)) {
      if (end === bodyEnd && (end - start) % 2 === 0) out.push({ start, end, kind: 'hex', ...(/^\d+$/.test(text) ? { digitsOnly: true } : {}) });
      continue;
    }
    out.push({ start, end, kind: /[-_]/.test(body) ? 'base64url' : 'base64' });
  }
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe('detect: base64 / hex runs are found only between spans already decoded', () => {
  it('gives the same runs as scanning everything and dropping runs that touch a covered span', () => {
    const pieces = ['aGVsbG8gd29ybGQgaGVsbG8=', 'deadbeefcafebabe0011223344556677', '12345678901234567890123456789012', 'x', '==', '=', ' ', '"', '-_-_abcdEFGH1234ijkl', '&', '/+/+', 'QUJDREVGR0hJSktMTU5PUA'];
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      let text = '';
      while (text.length < 400) text += pieces[Math.floor(next() * pieces.length)];
      const buf = Buffer.from(text, 'latin1');
      // Sorted spans, some empty, some overlapping, some nested, some touching the ends.
      const covered: Array<[number, number]> = [];
      for (let k = Math.floor(next() * 6); k > 0; k--) {
        const a = Math.floor(next() * buf.length);
        covered.push([a, Math.min(buf.length, a + Math.floor(next() * 60))]);
      }
      if (next() < 0.2) covered.push([0, Math.floor(next() * 30)]);
      covered.sort((x, y) => x[0] - y[0]);
      expect(findEncodedRuns(buf, covered), `seed ${seed}: ${JSON.stringify(covered)} over ${text}`).to.deep.equal(reference(buf, covered));
    }
  });

  it('decodes each run as Buffer.from does, short and long, in either case', () => {
    const next = random(99);
    for (const length of [16, 32, 64, 254, 256, 258, 1000]) {
      let hex = '';
      for (let i = 0; i < length; i++) hex += '0123456789abcdefABCDEF'[Math.floor(next() * 22)];
      const buf = Buffer.from(`x=${hex}&y`, 'latin1');
      const [run] = findEncodedRuns(buf);
      expect(run).to.deep.include({ start: 2, end: 2 + length, kind: 'hex' });
      expect(decodeRun(buf, run!).equals(Buffer.from(hex, 'hex')), `${length} hex digits`).to.equal(true);
    }
    const b64 = Buffer.from('p=' + Buffer.from('a canary inside base64, long enough').toString('base64url'));
    const [run] = findEncodedRuns(b64);
    expect(decodeRun(b64, run!).toString()).to.equal('a canary inside base64, long enough');
  });

  it('decodes short runs into scratch space to the same bytes as Buffer.from, padded or not, any length', () => {
    const next = random(7);
    const scratch = new Uint8Array(256);
    let checked = 0;
    for (let k = 0; k < 3000; k++) {
      const raw = Buffer.from(Array.from({ length: 1 + (k % 120) }, () => Math.floor(next() * 256)));
      const encoded = [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), raw.toString('hex').toUpperCase()][k % 4]!;
      const text = Buffer.from(`"${k % 5 === 0 ? encoded.slice(0, -1) : encoded}"`, 'latin1');
      for (const run of findEncodedRuns(text)) {
        const want = decodeRun(text, run);
        const length = decodeRunInto(text, run, scratch);
        expect(length, text.toString()).to.equal(decodedRunLength(text, run));
        expect(Buffer.from(scratch.subarray(0, length)).equals(want), text.toString()).to.equal(true);
        checked++;
      }
    }
    expect(checked).to.be.above(2000);
  });
});
