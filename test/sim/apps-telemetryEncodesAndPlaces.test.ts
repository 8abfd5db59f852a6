import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { expect } from 'chai';
import type { EncodeStep, Placement, TelemetryRule } from '../../sim/profile.js';
import { applyEncodeChain, checkEncodeChain, javaStringHash, placePayload, renderTemplates, type TemplateValue } from '../../sim/apps/telemetry/index.js';

// Each case: fields -> encode chain -> bytes on the wire, decoded back here with node's own
// primitives (not the engine's), so a wrong step or a wrong order fails.
const fields = { url: 'https://www.example.com/secret-7Q2?x=1&y=ä', n: 3 };
const json = JSON.stringify(fields);
const gunzip = (b: Buffer) => zlib.gunzipSync(b).toString();
const sha = (alg: string, s: string | Buffer) => crypto.createHash(alg).update(s).digest('hex');

function wire(steps: EncodeStep[]): { text?: string; bytes?: Buffer } {
  const p = applyEncodeChain(fields, steps);
  return p.kind === 'bytes' ? { bytes: p.bytes } : p.kind === 'text' ? { text: p.text } : {};
}

const cases: Array<{ steps: EncodeStep[]; decode: (w: { text?: string; bytes?: Buffer }) => string; expect: string }> = [
  { steps: ['json'], decode: (w) => w.text!, expect: json },
  { steps: [], decode: (w) => w.text!, expect: json }, // implicit final json
  { steps: ['form'], decode: (w) => new URLSearchParams(w.text!).get('url')!, expect: fields.url },
  { steps: ['json', 'base64'], decode: (w) => Buffer.from(w.text!, 'base64').toString(), expect: json },
  { steps: ['json', 'base64url'], decode: (w) => (expect(w.text).to.match(/^[A-Za-z0-9_-]+$/), Buffer.from(w.text!, 'base64url').toString()), expect: json },
  { steps: ['json', 'base64-nopad'], decode: (w) => (expect(w.text).not.to.match(/=$/), Buffer.from(w.text!, 'base64').toString()), expect: json },
  { steps: ['json', 'hex'], decode: (w) => Buffer.from(w.text!, 'hex').toString(), expect: json },
  { steps: ['json', 'gzip'], decode: (w) => gunzip(w.bytes!), expect: json },
  { steps: ['json', 'deflate'], decode: (w) => zlib.inflateSync(w.bytes!).toString(), expect: json },
  { steps: ['json', 'brotli'], decode: (w) => zlib.brotliDecompressSync(w.bytes!).toString(), expect: json },
  { steps: ['json', 'urlencode'], decode: (w) => decodeURIComponent(w.text!), expect: json },
  { steps: ['json', 'md5'], decode: (w) => w.text!, expect: sha('md5', json) },
  { steps: ['json', 'sha1'], decode: (w) => w.text!, expect: sha('sha1', json) },
  { steps: ['json', 'sha256'], decode: (w) => w.text!, expect: sha('sha256', json) },
  { steps: ['json', 'gzip', 'base64', 'urlencode'], decode: (w) => gunzip(Buffer.from(decodeURIComponent(w.text!), 'base64')), expect: json },
  { steps: ['json', 'deflate', 'hex'], decode: (w) => zlib.inflateSync(Buffer.from(w.text!, 'hex')).toString(), expect: json },
  { steps: [{ field: 'url', hash: 'sha256' }, 'json'], decode: (w) => JSON.parse(w.text!).url, expect: sha('sha256', fields.url) },
  { steps: [{ field: 'url', hash: 'md5' }, 'json', 'base64'], decode: (w) => JSON.parse(Buffer.from(w.text!, 'base64').toString()).url, expect: sha('md5', fields.url) },
];

describe('sim/apps telemetry: each encode step produces the bytes it names', () => {
  for (const c of cases) {
    it(`${JSON.stringify(c.steps)} decodes back independently`, () => {
      expect(c.decode(wire(c.steps))).to.equal(c.expect);
    });
  }

  it('a field hash reaches into nested fields and into every event of a batch', () => {
    const batch = [{ p: { url: 'a' } }, { p: { url: 'b' } }];
    const out = applyEncodeChain(batch, [{ field: 'p.url', hash: 'sha1' }, 'json']);
    expect(JSON.parse((out as { text: string }).text)).to.deep.equal([{ p: { url: sha('sha1', 'a') } }, { p: { url: sha('sha1', 'b') } }]);
  });

  it('rejects impossible chains with the step and the fix named', () => {
    const body: Placement = { in: 'body' };
    expect(checkEncodeChain(['gzip'], body, false)).to.match(/encode\[0\] 'gzip' cannot take the fields object: add 'json' or 'form' before it/);
    expect(checkEncodeChain(['json', { field: 'url', hash: 'md5' }], body, false)).to.match(/encode\[1\].*put it first/);
    expect(checkEncodeChain(['form'], body, true)).to.match(/'form' cannot encode a batch/);
    expect(checkEncodeChain(['json', 'gzip'], { in: 'query', name: 'd' }, false)).to.match(/placement 'query' needs text.*base64/);
    expect(checkEncodeChain(['json', 'gzip'], body, false)).to.equal(null);
    expect(checkEncodeChain(['json', 'gzip', 'base64'], { in: 'header', name: 'X-D' }, false)).to.equal(null);
  });
});

describe('sim/apps telemetry: templates', () => {
  const vars = new Map<string, TemplateValue>([['visit.url', 'https://e.com/a b'], ['now', 1588278627688], ['seq', 7], ['device.imei', '869512043871239']]);

  it('interpolates strings, keeps a lone numeric placeholder a number, and recurses into objects and arrays', () => {
    const out = renderTemplates({ time: '${now}', s: 'n=${seq}', nested: [{ u: '${visit.url}' }], imei: '${device.imei}', fixed: 1 }, vars);
    expect(out).to.deep.equal({ time: 1588278627688, s: 'n=7', nested: [{ u: 'https://e.com/a b' }], imei: '869512043871239', fixed: 1 });
  });
});

describe('sim/apps telemetry: placements put the payload where the rule says', () => {
  const base = { name: 'r', when: 'navigate', url: 'https://t.example/c?v=1', fields: {} } as const;
  const rule = (placement: Placement, extra: Partial<TelemetryRule> = {}): TelemetryRule => ({ ...base, placement, ...extra });
  const text = applyEncodeChain(fields, ['json', 'base64']);
  const b64 = Buffer.from(json).toString('base64');
  const vars = new Map<string, TemplateValue>([['device.model', 'Redmi Note 8']]);

  it('body: raw bytes with a content type from the chain (or the rule), POST by default', () => {
    const r = placePayload(rule({ in: 'body' }), applyEncodeChain(fields, ['json', 'gzip']), vars, 'UA');
    expect(r.method).to.equal('POST');
    expect(gunzip(r.body!)).to.equal(json);
    expect(r.headers).to.deep.include(['Content-Type', 'application/octet-stream']);
    const j = placePayload(rule({ in: 'body' }), applyEncodeChain(fields, ['json']), vars, 'UA');
    expect(j.headers).to.deep.include(['Content-Type', 'application/json; charset=utf-8']);
    const c = placePayload(rule({ in: 'body', contentType: 'text/x-custom' }), text, vars, 'UA');
    expect(c.headers).to.deep.include(['Content-Type', 'text/x-custom']);
  });

  it('form field: extra fields first (templated, with payload facts), then the named field, form-encoded', () => {
    const r = placePayload(rule({ in: 'form-field', name: 'data_list', extra: { crc: '${payload.javaHash}', gzip: '1', m: '${device.model}' } }), text, vars, 'UA');
    const body = r.body!.toString();
    expect(body.startsWith('crc=')).to.equal(true);
    const form = new URLSearchParams(body);
    expect([...form.keys()]).to.deep.equal(['crc', 'gzip', 'm', 'data_list']);
    expect(form.get('data_list')).to.equal(b64);
    expect(form.get('crc')).to.equal(String(javaStringHash(b64)));
    expect(form.get('m')).to.equal('Redmi Note 8');
    expect(r.headers).to.deep.include(['Content-Type', 'application/x-www-form-urlencoded']);
  });

  it('query: appended to the URL\'s own query, percent-encoded, GET by default', () => {
    const r = placePayload(rule({ in: 'query', name: 'd' }), text, vars, 'UA');
    expect(r.method).to.equal('GET');
    const u = new URL(r.url);
    expect(u.searchParams.get('v')).to.equal('1');
    expect(u.searchParams.get('d')).to.equal(b64);
    expect(r.body).to.equal(undefined);
  });

  it('header and cookie carry the text; values a header cannot carry are refused, not mangled', () => {
    const h = placePayload(rule({ in: 'header', name: 'X-Data' }), text, vars, 'UA');
    expect(h.headers).to.deep.include(['X-Data', b64]);
    const c = placePayload(rule({ in: 'cookie', name: 'sid' }), applyEncodeChain(fields, ['json', 'base64url']), vars, 'UA');
    expect(c.headers).to.deep.include(['Cookie', `sid=${Buffer.from(json).toString('base64url')}`]);
    expect(() => placePayload(rule({ in: 'header', name: 'X-Data' }), applyEncodeChain(fields, ['json']), vars, 'UA')).to.throw(/not a valid header value/);
    expect(() => placePayload(rule({ in: 'cookie', name: 'sid' }), applyEncodeChain({ a: 'x' }, ['json']), vars, 'UA')).to.throw(/cookie sid/);
  });

  it('rule headers are templated and a User-Agent is always sent', () => {
    const r = placePayload(rule({ in: 'body' }, { headers: { 'X-Model': '${device.model}' } }), text, vars, 'Dalvik/2.1.0');
    expect(r.headers).to.deep.include(['X-Model', 'Redmi Note 8']);
    expect(r.headers).to.deep.include(['User-Agent', 'Dalvik/2.1.0']);
  });

  it('the Sensors Analytics form reproduces the published wire format: crc=<String.hashCode>&gzip=1&data_list=<urlencoded base64 of gzip of a JSON array>', () => {
    const events = [{ event: 'page_load_event_start', properties: { url: 'https://www.google.com/search?q=x' } }];
    const payload = applyEncodeChain(events, ['json', 'gzip', 'base64']);
    const r = placePayload(rule({ in: 'form-field', name: 'data_list', extra: { crc: '${payload.javaHash}', gzip: '1' } }), payload, vars, 'UA');
    const body = r.body!.toString();
    expect(body).to.match(/^crc=-?\d+&gzip=1&data_list=H4sI[A-Za-z0-9%]+$/); // %2B %2F %3D as in the published raw payload
    // The XDA CyberChef recipe: URL_Decode -> From_Base64 -> Gunzip.
    const dataList = body.split('data_list=')[1]!;
    expect(JSON.parse(gunzip(Buffer.from(decodeURIComponent(dataList), 'base64')))).to.deep.equal(events);
    // Java's String.hashCode, checked against a known value: "hello".hashCode() == 99162322.
    expect(javaStringHash('hello')).to.equal(99162322);
  });
});
