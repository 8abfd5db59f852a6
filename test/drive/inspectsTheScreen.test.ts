import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main.js';
import { PhoneLab } from '../device/phoneFixture.js';

describe('drive: `phonehome inspect` saves what a user needs to fix a locator', function () {
  this.timeout(90_000);
  const lab = new PhoneLab();
  let dir: string;
  before(async () => {
    await lab.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-inspect-'));
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('launches the browser, saves page source and screenshot, and says which locators match', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const devicesFile = path.join(dir, 'devices.json');
    // An override that matches nothing: inspect must say so and fall back to the profile's own.
    await writeFile(devicesFile, JSON.stringify({ devices: [{ name: 'bench', serial: phone.serial, locators: { mint: { goButton: 'desc:Open' } } }] }));
    const out: string[] = [];
    const code = await main(['inspect', 'bench', '--browser', 'mint', '--out', path.join(dir, 'out'), '--devices', devicesFile, '--adb-port', String(lab.server.port)], {
      out: (l) => out.push(l), err: (l) => out.push(l),
    });
    expect(code, out.join('\n')).to.equal(0);
    const xmlFile = /^page source: (.+\.xml)$/m.exec(out.join('\n'))?.[1];
    const pngFile = /^screenshot: +(.+\.png)$/m.exec(out.join('\n'))?.[1];
    expect(xmlFile).to.be.a('string');
    const xml = await readFile(xmlFile!, 'utf8');
    expect(xml).to.include('com.mi.globalbrowser.mini');
    const png = await readFile(pngFile!);
    expect(png.readUInt32BE(0)).to.equal(0x89504e47);
    const report = out.join('\n');
    expect(report).to.match(/Mint Browser locators on this screen \(written for 3\.4\.0, 3\.4\.3\)/);
    // A fresh Mint shows its first-run dialog over the browser, or the browser itself.
    expect(report).to.match(/^ {2}(dialogAccept|addressBar) +found by id '(android|com\.mi\.globalbrowser\.mini):id\/(button1|url_bar|url)'$/m);
    expect(report).to.match(/^ {2}incognitoIndicator +not on screen \(tried id 'com\.mi\.globalbrowser\.mini:id\/incognito_indicator' \/ accessibility id 'Incognito'\)$/m);
    expect(report).to.match(/goButton +.*accessibility id 'Open'/);
  });

  it('refuses a phone that is not running, saying how to start it', async () => {
    const devicesFile = path.join(dir, 'devices-off.json');
    await writeFile(devicesFile, JSON.stringify({ devices: [{ name: 'off', serial: '127.0.0.1:9', launch: { command: 'phonehome', args: ['sim', '--port', '9'] } }] }));
    const err: string[] = [];
    const code = await main(['inspect', 'off', '--devices', devicesFile, '--adb-port', String(lab.server.port)], { out: () => undefined, err: (l) => err.push(l) });
    expect(code).to.equal(2);
    expect(err).to.deep.equal(["device 'off' (127.0.0.1:9) is not running: runs start it, or start it by hand with: phonehome sim --port 9"]);
  });
});
