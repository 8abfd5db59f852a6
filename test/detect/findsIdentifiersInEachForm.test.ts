import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { LeakFinder } from '../../harness/detect/index.js';
import type { Canary } from '../../harness/detect/index.js';
import { makeFlow } from './flowFixtures.js';

const ids: Canary[] = [
  { kind: 'imei', value: '867530912345671', device: 'redmi' },
  { kind: 'android-id', value: '9f3b2c4d5e6a7b8c', device: 'redmi' },
  { kind: 'serial', value: 'a1b2c3d4e5', device: 'redmi' },
  { kind: 'phone-number', value: '+8613800138000', device: 'redmi' },
  { kind: 'wifi-mac', value: '4C:49:E3:12:AB:CD', device: 'redmi' },
  { kind: 'model', value: 'Redmi Note 8', device: 'redmi' },
  { kind: 'android-release', value: '10', device: 'redmi' },
];
const finder = new LeakFinder({ canaries: ids });

async function found(body: string, headers: Array<[string, string]> = []) {
  const scan = await finder.scanFlow(makeFlow({ body, headers }));
  return scan.findings.map((f) => ({ kind: f.canary.kind, chain: f.chain.join(' › '), match: f.excerpt.text.slice(f.excerpt.start, f.excerpt.end), context: f.context ?? [] }));
}

describe('detect: device identifiers in each form they travel in', () => {
  const cases: Array<[string, string, string]> = [
    ['imei', '{"imei":"867530912345671"}', '867530912345671'],
    ['imei', '{"imei":86753091234567}', '86753091234567'],
    ['imei', 'did=867530912345671&x=1', '867530912345671'],
    ['android-id', '{"aid":"9F3B2C4D5E6A7B8C"}', '9F3B2C4D5E6A7B8C'],
    ['android-id', '{"aid":"9f3b2c4d5e6a7b8c"}', '9f3b2c4d5e6a7b8c'],
    ['serial', '{"sn":"A1B2C3D4E5"}', 'A1B2C3D4E5'],
    ['phone-number', '{"tel":"+8613800138000"}', '+8613800138000'],
    ['phone-number', '{"tel":"13800138000"}', '13800138000'],
    ['phone-number', '{"tel":"8613800138000"}', '8613800138000'],
    ['phone-number', 'tel=%2B8613800138000', '+8613800138000'],
    ['phone-number', '{"tel":"+86 138 0013 8000"}', '+8613800138000'],
    ['phone-number', '{"tel":"138-0013-8000"}', '13800138000'],
    ['wifi-mac', '{"mac":"4c:49:e3:12:ab:cd"}', '4c:49:e3:12:ab:cd'],
    ['wifi-mac', '{"mac":"4C-49-E3-12-AB-CD"}', '4C-49-E3-12-AB-CD'],
    ['wifi-mac', '{"mac":"4c49e312abcd"}', '4c49e312abcd'],
    ['wifi-mac', '{"mac":"4C49E312ABCD"}', '4C49E312ABCD'],
  ];
  for (const [kind, body, match] of cases) {
    it(`finds ${kind} as ${body}`, async () => {
      const f = await found(body);
      expect(f.filter((x) => x.kind === kind).map((x) => x.match)).to.deep.equal([match]);
      expect(f.filter((x) => x.kind !== kind && x.kind !== 'imei')).to.deep.equal([]);
    });
  }

  it('finds an identifier hashed and base64-encoded, and says which form matched', async () => {
    const md5 = createHash('md5').update('867530912345671').digest('hex');
    const scan = await finder.scanFlow(makeFlow({ body: `{"h":"${md5}","b":"${Buffer.from('mac=4c49e312abcd;').toString('base64')}"}` }));
    expect(scan.findings.map((f) => `${f.canary.kind} ${f.chain.join(' › ')}`).sort()).to.deep.equal(['imei body › json.h › md5', 'wifi-mac body › json.b › base64 › form[mac]']);
  });

  it('reports model and release as context on a finding, never as findings of their own', async () => {
    const alone = await found('{"model":"Redmi Note 8","os_version":"10"}');
    expect(alone).to.deep.equal([]);
    const withImei = await found('{"model":"Redmi Note 8","os_version":"10","imei":"867530912345671"}');
    expect(withImei).to.have.length(1);
    expect(withImei[0]!.context).to.have.members(['model: Redmi Note 8', 'android-release: 10']);
  });

  it("finds an SMS sender's number in every phone form, and reports the carrier name only as context", async () => {
    const sms = new LeakFinder({ canaries: [...ids, { kind: 'sms-sender', value: '+447700900123', device: 'r1s' }, { kind: 'carrier-name', value: 'Airtel', device: 'r1s' }] });
    const kinds = async (body: string) => (await sms.scanFlow(makeFlow({ body }))).findings.map((f) => [f.canary.kind, f.excerpt.text.slice(f.excerpt.start, f.excerpt.end), f.context ?? []]);
    expect(await kinds('sender=07700900123&carrier=Airtel')).to.deep.equal([['sms-sender', '07700900123', ['carrier-name: Airtel']]]);
    expect(await kinds('{"from":"+44 7700 900123"}')).to.deep.equal([['sms-sender', '+447700900123', []]]);
    expect(await kinds('carrier=Airtel'), 'a carrier name alone is no finding').to.deep.equal([]);
  });

  it('finds identifiers in headers, cookies, the query and the path', async () => {
    const scan = await finder.scanFlow(
      makeFlow({ path: '/v1/device/9f3b2c4d5e6a7b8c/ping', query: 'sn=a1b2c3d4e5&x=1', headers: [['Cookie', 'a=1; imei=867530912345671'], ['X-Mac', '4c:49:e3:12:ab:cd']] }),
    );
    expect(scan.findings.map((f) => `${f.canary.kind} ${f.chain.join(' › ')}`).sort()).to.deep.equal([
      'android-id path',
      'imei cookie[imei]',
      'serial query[sn]',
      'wifi-mac header[x-mac]',
    ]);
  });

  it('rejects a malformed identifier with a message naming it', () => {
    expect(() => new LeakFinder({ canaries: [{ kind: 'imei', value: '12345' }] })).to.throw(/canary imei '12345' is not an IMEI/);
    expect(() => new LeakFinder({ canaries: [{ kind: 'wifi-mac', value: 'zz:zz' }] })).to.throw(/wifi-mac 'zz:zz'/);
    expect(() => new LeakFinder({ canaries: [{ kind: 'custom', value: 'abc' }] })).to.throw(/at least 6 characters/);
  });
});
