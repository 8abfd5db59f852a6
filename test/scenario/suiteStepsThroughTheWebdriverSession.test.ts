import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { phonehome, writeSimDevices } from './simPhones.js';

const SCENARIO_INDEX = path.resolve('harness/scenario/index.js');
const MINT = 'com.mi.globalbrowser.mini';

// A suite's own step through the WebdriverIO session of an opened browser (b.driver), on a
// simulated phone under `phonehome run`: the session is the one driving Mint, in the app's UI.
describe('a suite reaches the WebdriverIO session of an opened browser', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-driver-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('b.driver is the session driving the browser: its package, its address bar, the page a visit loaded', async () => {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeSimDevices(path.join(dir, 'devices.json'), [{ name: 'driver-phone', profile: 'redmi-note-8-2020' }]);
    await writeFile(path.join(dir, 'custom-steps.ts'), `import { defineSuite, expect } from ${JSON.stringify(SCENARIO_INDEX)};
export default defineSuite({ name: 'custom-steps', description: 'd' }, (ctx) => {
  it('steps through b.driver', async () => {
    const b = await ctx.phones[0]!.openBrowser('mint', 'normal');
    expect(await b.driver.getCurrentPackage()).to.equal('${MINT}');
    const visit = await b.visit();
    // Mint's omnibox (a Chromium fork's url_bar) shows the loaded page's host, without scheme.
    expect(await b.driver.$('id=${MINT}:id/url_bar').getText()).to.equal(new URL(visit.record.url).hostname);
    await b.close();
  });
});
`);
    const r = await phonehome(['run', path.join(dir, 'custom-steps.ts'), '--devices', path.join(dir, 'devices.json'), '--browser', 'mint', '--mode', 'normal', '--out', path.join(dir, 'reports')], { cwd: dir, timeoutMs: 170_000 });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/✓ custom-steps steps through b\.driver/);
  });
});
