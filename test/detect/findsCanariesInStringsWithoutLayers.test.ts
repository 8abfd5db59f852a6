import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { LeakFinder } from '../../harness/detect/index.js';
import type { Canary } from '../../harness/detect/index.js';
import { makeFlow, protobufField as field } from './flowFixtures.js';

/**
 * Most strings of a body (JSON and protobuf strings, short ids and hashes in base64 or hex) get no
 * decoded layer of their own: they are searched inside their parent. These cases check that a
 * canary in them is still found exactly once, with the chain a decoded layer would have named.
 */

const term: Canary = { kind: 'search-term', value: 'phonehome zq4k7m2x' };
const token: Canary = { kind: 'visit-token', value: 'phlayers5k2m7q9zx3' };
const phone: Canary = { kind: 'phone-number', value: '+8613800138000' };
const finder = new LeakFinder({ canaries: [term, token, phone] });

async function chains(body: Buffer | string, canary: Canary): Promise<string[]> {
  const scan = await finder.scanFlow(makeFlow({ body }));
  expect(scan.undecodable).to.deep.equal([]);
  return scan.findings.filter((f) => f.canary.value === canary.value).map((f) => f.chain.join(' › '));
}

/** A batch record: {1: id, 2: url, 3: hex id, 4: 48 random bytes} inside field 1. */
function record(url: string, id: string): Buffer {
  return field(1, Buffer.concat([Buffer.from([0x08, 0x2a]), field(2, url), field(3, id), field(4, randomBytes(48))]));
}

describe('detect: canaries in strings that get no decoded layer of their own', () => {
  it("finds a search term written with '+' for spaces, in plain text, JSON strings and form fields", async () => {
    const plus = term.value.replace(/ /g, '+');
    expect(await chains(`the user typed ${plus} and left`, term)).to.deep.equal(['body › urldecode']);
    expect(await chains(JSON.stringify({ q: plus, n: 1 }), term)).to.deep.equal(['body › json.q › urldecode']);
    expect(await chains(JSON.stringify({ q: `a=1&q=${plus}&z=2` }), term)).to.deep.equal(['body › json.q › form[q]']);
    expect(await chains(JSON.stringify({ u: `https://s.example/find?q=${plus}&z=%21` }), term)).to.deep.equal(['body › json.u › query[q]']);
    expect(await chains(`a=1&q=${plus}&z=2`, term)).to.deep.equal(['body › form[q]']);
    expect(await chains(`typed ${plus} %21`, term)).to.deep.equal(['body › urldecode']);
  });

  it('names a phone number written in digit groups by the string or field it is in, once', async () => {
    expect(await chains(JSON.stringify({ a: 1, tel: '138 0013 8000' }), phone)).to.deep.equal(['body › json.tel › digits']);
    expect(await chains('name=x&tel=138-0013-8000', phone)).to.deep.equal(['body › form[tel] › digits']);
    expect(await chains('call 138 0013 8000 now', phone)).to.deep.equal(['body › digits']);
    expect(await chains(Buffer.concat([record('https://a.example/x', 'ab'.repeat(12)), field(5, 'tel (138) 0013-8000')]), phone)).to.deep.equal([
      'body › protobuf[5] › digits',
    ]);
  });

  it('names protobuf strings, the fields inside them and the runs inside them, in a batch of thousands', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => record(`https://h${i}.example/p?i=${i}`, randomBytes(12).toString('hex')));
    const hex = Buffer.from(`id=${token.value}`).toString('hex');
    const body = Buffer.concat([
      ...records.slice(0, 1000),
      record(`https://a.example/p?x=1&t=${token.value}`, 'cd'.repeat(12)),
      ...records.slice(1000, 2000),
      record('https://b.example/p', hex),
      ...records.slice(2000),
      field(6, `k=v&tok=${Buffer.from(token.value).toString('base64')}`),
    ]);
    expect((await chains(body, token)).sort()).to.deep.equal(['body › protobuf[1.2] › query[t]', 'body › protobuf[1.3] › hex › form[id]', 'body › protobuf[6] › form[tok] › base64']);
  });

  it('finds a canary in a short hex run in mixed case, which no encoded variant matches', async () => {
    const mixed = [...Buffer.from(token.value).toString('hex')].map((c, i) => (i % 3 === 0 ? c.toUpperCase() : c)).join('');
    expect(await chains(JSON.stringify({ id: mixed }), token)).to.deep.equal(['body › json.id › hex']);
  });

  it('finds a canary inside short binary (no text, no format) that is base64 encoded, once', async () => {
    const binary = Buffer.concat([Buffer.from([0x00, 0xff, 0x01]), Buffer.from(token.value), Buffer.from([0x02, 0xfe])]);
    expect(await chains(JSON.stringify({ b: binary.toString('base64') }), token)).to.deep.equal(['body › json.b › base64']);
    expect(await chains(JSON.stringify({ b: binary.toString('hex') }), token)).to.deep.equal(['body › json.b › hex']);
  });
});
