import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

const SCENARIO_INDEX = path.resolve('harness/scenario/index.js');
const BIN = PHONEHOME_BIN;

/** The real binary, as a user runs it: exit code and stderr lines. */
function phonehome(args: string[], cwd: string): Promise<{ code: number | null; err: string[]; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, err: stderr.trim().split('\n').filter(Boolean), stdout }),
    );
  });
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('phonehome run refuses bad input with one line and exit 2, before touching a phone', function () {
  this.timeout(30_000);
  let dir: string;
  let devices: string;
  let reports: string;
  let smokeSuite: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-badinput-'));
    reports = path.join(dir, 'reports');
    devices = path.join(dir, 'devices.json');
    const port = await closedPort();
    await writeFile(devices, JSON.stringify({
      default: 'sim-a',
      devices: [
        { name: 'sim-a', serial: '127.0.0.1:1', appiumUrl: `http://127.0.0.1:${port}` },
        { name: 'sim-b', serial: '127.0.0.1:2' },
      ],
    }));
    // Suites are ES modules, as in scenarios/.
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    smokeSuite = path.join(dir, 'okay.ts');
    await writeFile(smokeSuite, `import { defineSuite } from ${JSON.stringify(SCENARIO_INDEX)};\nexport default defineSuite({ name: 'okay', description: 'd' }, () => {});\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function run(args: string[]) {
    return phonehome(['run', ...args, '--devices', devices, '--out', reports], dir);
  }

  async function expectNoRunFolder() {
    const entries = await readdir(reports).catch(() => []);
    expect(entries, 'a run folder was created for bad input').to.deep.equal([]);
  }

  it('a suite file with a syntax error', async () => {
    const file = path.join(dir, 'syntax.ts');
    await writeFile(file, 'export default defineSuite({ name: "syntax", description: "d" }, () => { describe("x", () => { );\n');
    const r = await run([file]);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/^suite .*syntax\.ts cannot be loaded: .*syntax\.ts:1:\d+: ERROR: .* \(fix the file; a suite is/);
    await expectNoRunFolder();
  });

  it('a suite file that is not a suite, and one misnamed', async () => {
    const plain = path.join(dir, 'plain.ts');
    await writeFile(plain, 'export const x = 1;\n');
    let r = await run([plain]);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/suite .*plain\.ts is malformed: its default export is not a suite \(write `export default defineSuite/);
    const misnamed = path.join(dir, 'misnamed.ts');
    await writeFile(misnamed, `import { defineSuite } from ${JSON.stringify(SCENARIO_INDEX)};\nexport default defineSuite({ name: 'other', description: 'd' }, () => {});\n`);
    r = await run([misnamed]);
    expect(r.code).to.equal(2);
    expect(r.err[0]).to.match(/names itself 'other' but its file is misnamed\.ts/);
  });

  it('an unknown suite name lists the shipped suites', async () => {
    const r = await run(['forbes-2021']);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/unknown suite 'forbes-2021' \(suites in .*scenarios: .*forbes-2020.*smoke/);
  });

  it('an unknown device name lists the devices there are', async () => {
    const r = await run([smokeSuite, '--device', 'redmi-note-9']);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/no device named 'redmi-note-9' \(devices: sim-a, sim-b\)/);
    await expectNoRunFolder();
  });

  it('an unknown browser or mode', async () => {
    let r = await run([smokeSuite, '--browser', 'firefox']);
    expect(r.code).to.equal(2);
    expect(r.err[0]).to.match(/no browser profile 'firefox' \(browsers: mi-browser, mint, mi-browser-pro, chrome\)/);
    r = await run([smokeSuite, '--mode', 'private']);
    expect(r.code).to.equal(2);
    expect(r.err[0]).to.match(/--mode must be normal or incognito, got 'private'/);
  });

  it('an unreachable Appium URL', async () => {
    const r = await run([smokeSuite, '--device', 'sim-a']);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/^device 'sim-a': Appium at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\); start Appium there, or remove 'appiumUrl'/);
    await expectNoRunFolder();
  });
});
