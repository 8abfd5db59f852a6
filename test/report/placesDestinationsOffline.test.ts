import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildRunRecord, IpGeo, ipValue, runRecordErrors } from '../../harness/report/index.js';
import { writeRun } from './runFolderKit.js';

/**
 * Where the data went (issue #16): each host's address — the one the capture connected to, or the
 * one the phone's resolver gave — placed offline by country and network owner, per finding and
 * per run, in run.json and index.html; a missing database is one warning line, not an error.
 */
describe('destinations are placed offline by country and network owner', function () {
  this.timeout(60_000);
  let root: string;
  let geo: IpGeo;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'phonehome-geo-'));
    geo = await IpGeo.open();
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('places Alibaba Cloud Singapore, Google and an IPv6 network from the shipped databases, and nothing for loopback', async () => {
    expect(geo.warnings).to.deep.equal([]);
    expect(await geo.lookup('161.117.71.32')).to.deep.equal({ country: 'SG', asn: 45102, network: 'Alibaba (US) Technology Co., Ltd.' });
    expect(await geo.lookup('8.8.8.8')).to.include({ asn: 15169, network: 'Google LLC' });
    expect((await geo.lookup('2a01:4f8::1')).country).to.equal('DE');
    expect(await geo.lookup('127.0.0.1')).to.deep.equal({});
    expect(await geo.lookup('not an address')).to.deep.equal({});
    expect(ipValue('::1')).to.deep.equal({ family: 6, value: 1n });
    expect(ipValue('256.1.1.1')).to.equal(undefined);
  });

  it('shows the phone-DNS address of a vendor host, its country and owner, per finding and per run', async () => {
    const { folder, run } = await writeRun(root, [{
      name: 'rn8',
      apps: { mint: '3.4.0' },
      visits: [{ browser: 'mint', mode: 'incognito', leakTo: 'sa.api.intl.miui.com' }],
      hosts: ['api.example.net'],
      dns: { 'sa.api.intl.miui.com': '161.117.71.32' },
      upstreamIps: { 'api.example.net': '8.8.8.8' },
    }]);
    expect(runRecordErrors(run)).to.deep.equal([]);
    const vendor = run.destinations!.find((d) => d.host === 'sa.api.intl.miui.com')!;
    expect(vendor.destination).to.deep.equal({ address: '161.117.71.32', source: 'phone-dns', country: 'SG', asn: 45102, network: 'Alibaba (US) Technology Co., Ltd.' });
    expect(run.destinations!.find((d) => d.host === 'api.example.net')!.destination).to.include({ address: '8.8.8.8', source: 'connection', asn: 15169 });
    // The visited site: the sink answered and the phone's resolver gave nothing: said, not guessed.
    const site = run.destinations!.find((d) => d.host === 'news.example.org')!;
    expect(site.destination).to.equal(undefined);
    expect(site.why).to.match(/resolver gave none/);
    const leak = run.findings.find((f) => f.host === 'sa.api.intl.miui.com' && f.visitId)!;
    expect(leak.destination).to.include({ address: '161.117.71.32', country: 'SG', asn: 45102 });

    const json = JSON.parse(await readFile(folder.runJson, 'utf8'));
    expect(json.destinations).to.deep.equal(run.destinations);
    const html = await readFile(folder.html, 'utf8');
    expect(html).to.include('Where the data went');
    expect(html).to.match(/<code>sa\.api\.intl\.miui\.com<\/code><\/td><td><code>161\.117\.71\.32<\/code><\/td><td>SG<\/td><td>AS45102 Alibaba \(US\) Technology Co\., Ltd\.<\/td>/);
    // …and beside the finding itself.
    expect(html).to.match(/sent to<\/dt><dd><code>sa\.api\.intl\.miui\.com<\/code>[^\n]*161\.117\.71\.32<\/code>, <b>SG<\/b>, AS45102/);
  });

  it('without the databases: the addresses stay, and one line says what is missing and how to install it', async () => {
    const { folder } = await writeRun(root, [{
      name: 'rn8',
      apps: { mint: '3.4.0' },
      visits: [{ browser: 'mint', mode: 'normal', leakTo: 'sa.api.intl.miui.com' }],
      dns: { 'sa.api.intl.miui.com': '161.117.71.32' },
    }]);
    const run = await buildRunRecord(folder, { geo: {} });
    expect(run.geo!.warnings).to.have.length(1);
    expect(run.geo!.warnings[0]).to.not.include('\n');
    expect(run.geo!.warnings[0]).to.match(/no country .* and no network owner .*npm install @ip-location-db\/geo-whois-asn-country-mmdb @ip-location-db\/asn/);
    expect(run.destinations!.find((d) => d.host === 'sa.api.intl.miui.com')!.destination).to.deep.equal({ address: '161.117.71.32', source: 'phone-dns' });
    expect(runRecordErrors(run)).to.deep.equal([]);
  });
});
