import { expect } from 'chai';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { DECODERS, LayerDecoder, type DecoderFactory, type RootPart } from '../../../harness/detect/index.js';
import { varint } from '../flowFixtures.js';

const SECRET = 'phonehome canary zq4k7m2x was typed here';

/** A body that only the named decoder opens, and the label its child layer carries. */
const SAMPLES: Record<string, { root: RootPart; label: RegExp }> = {
  'json-strings': { root: { label: 'body', bytes: Buffer.from(JSON.stringify({ u: `https://x.example/?q=${encodeURIComponent(SECRET)}` })) }, label: /^json\.u$/ },
  'form-fields': { root: { label: 'body', bytes: Buffer.from(`a=1&q=${encodeURIComponent(SECRET)}`) }, label: /^form\[q\]$/ },
  multipart: { root: { label: 'body', bytes: Buffer.from(`--b0und\r\nContent-Disposition: form-data; name="m"\r\n\r\n${SECRET}\r\n--b0und--\r\n`) }, label: /^multipart\[m\]$/ },
  'protobuf-strings': {
    root: { label: 'body', bytes: Buffer.concat([Buffer.from([0x08, 0x01, 0x12]), varint(Buffer.byteLength(`{"s":"${SECRET}"}`)), Buffer.from(`{"s":"${SECRET}"}`)]) },
    label: /^protobuf\[2\]$/,
  },
  percent: { root: { label: 'path', bytes: Buffer.from(`/s/${encodeURIComponent(SECRET)}`) }, label: /^urldecode$/ },
  'digit-groups': { root: { label: 'body', bytes: Buffer.from('call me on 138 0013-8000 tonight') }, label: /^digits$/ },
  // zlib in lines: each line alone decodes to a piece of the stream, which fails its checksum.
  'base64 in lines': { root: { label: 'body', bytes: Buffer.from(deflateSync(Array.from({ length: 40 }, (_, i) => `${SECRET} ${i * 7919}`).join(';')).toString('base64').replace(/.{76}/g, '$&\n')) }, label: /^deflate \(magic\)$/ },
  'quoted-printable': { root: { label: 'body', bytes: Buffer.from(`note: ${SECRET.replace(/ /g, '=20')} and on and on =\r\nto the end`) }, label: /^quoted-printable$/ },
  'base64-hex': { root: { label: 'body', bytes: Buffer.from(`id ${Buffer.from(gzipSync(SECRET)).toString('hex')} end`) }, label: /^hex$/ },
  gzip: { root: { label: 'body', bytes: Buffer.from(`v ${gzipSync(SECRET).toString('base64')} .`) }, label: /^gzip \(magic\)$/ },
  zlib: { root: { label: 'body', bytes: Buffer.from(`v ${deflateSync(SECRET).toString('base64')} .`) }, label: /^deflate \(magic\)$/ },
  'brotli / raw deflate': { root: { label: 'body', bytes: Buffer.from(`v ${deflateRawSync(SECRET.repeat(2)).toString('base64')} . ${brotliCompressSync(Buffer.from(`{"s":"${SECRET}"}`)).toString('base64')}`) }, label: /^(brotli|deflate) \(probed\)$/ },
};

function labels(decoders: readonly DecoderFactory[], root: RootPart): string[] {
  const out: string[] = [];
  new LayerDecoder({ decoders, digitsViews: true }).decode([root], (layer) => out.push(layer.chain[layer.chain.length - 1]!));
  return out;
}

describe('detect: each decoder in the table exposes its own encoding, and only it does', () => {
  const names = DECODERS.map((make) => make({ bounds: { maxDepth: 4, maxDecodedBytes: 1, maxExpansion: 1, maxLayers: 1, maxChain: 1, maxBlindAttempts: 1 }, options: {} }).name);

  it('has a sample for every decoder in the table (a new decoder needs one here)', () => {
    expect(names.filter((n) => !(n in SAMPLES))).to.deep.equal([]);
    expect(new Set(names).size).to.equal(names.length);
  });

  for (const [i, name] of names.entries()) {
    it(`${name}: its sample yields its layer with the table, not without this decoder`, () => {
      const sample = SAMPLES[name]!;
      const all = labels(DECODERS, sample.root);
      expect(all.some((l) => sample.label.test(l)), `labels with the full table: ${all.join(', ')}`).to.equal(true);
      const without = labels(
        DECODERS.filter((_, j) => j !== i),
        sample.root,
      );
      expect(without.some((l) => sample.label.test(l)), `labels without ${name}: ${without.join(', ')}`).to.equal(false);
    });
  }
});
