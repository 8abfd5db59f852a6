import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageInfo } from '../../harness/packageInfo.js';
import { PhonehomeError } from '../../harness/errors.js';
import { checkServiceOptions, phonehome, PhonehomeService, readRunState, STATE_ENV } from '../../harness/wdio/index.js';

// What a wdio.conf.ts author gets wrong is one line naming the option and the fix, before any
// phone is touched (wdio builds the service in the launcher and in each worker).
describe('wdio: the phonehome service checks its options', () => {
  it('accepts none, or the known ones', () => {
    expect(checkServiceOptions(undefined)).to.deep.equal({});
    const options = { devicesFile: 'devices.json', device: 'redmi-note-8', adbPort: 5037, out: 'reports', suite: 'mine' };
    expect(checkServiceOptions(options)).to.deep.equal(options);
    expect(() => new PhonehomeService(options)).to.not.throw();
  });

  for (const [options, message] of [
    ['redmi-note-8', /must be an object like \{ device: 'redmi-note-8' \}, got "redmi-note-8"/],
    [{ devices: 'devices.json' }, /unknown option 'devices' \(known: devicesFile, device, adbPort, out, suite\)/],
    [{ device: '' }, /'device' must be a non-empty string, got ""/],
    [{ adbPort: 70000 }, /'adbPort' must be a port number 1-65535, got 70000/],
    [{ adbPort: '5037' }, /'adbPort' must be a port number 1-65535, got "5037"/],
  ] as const) {
    it(`rejects ${JSON.stringify(options)} in one line`, () => {
      let error: unknown;
      try {
        new PhonehomeService(options);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PhonehomeError);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).to.not.contain('\n');
    });
  }

  it('a spec without the service is told to add it', () => {
    expect(() => phonehome()).to.throw(PhonehomeError, /add PhonehomeService to the services of your wdio\.conf/);
    expect(() => readRunState({})).to.throw(PhonehomeError, new RegExp(`${STATE_ENV} is not set`));
  });
});

describe('wdio: a device the devices file does not list stops the run before any spec', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'phonehome-wdio-bad-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('wdio exits non-zero with the one-line reason, and no spec runs', async () => {
    const root = packageInfo().root;
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(path.join(dir, 'ran.spec.ts'), `import { writeFileSync } from 'node:fs'; describe('s', () => { it('t', () => { writeFileSync(${JSON.stringify(path.join(dir, 'spec-ran'))}, 'x'); }); });`);
    writeFileSync(path.join(dir, 'wdio.conf.ts'), `import { PhonehomeService } from ${JSON.stringify(path.join(root, 'harness/wdio/index.js'))};
export const config = {
  runner: 'local', specs: ['./ran.spec.ts'], hostname: '127.0.0.1', port: 9, path: '/', logLevel: 'error', framework: 'mocha',
  capabilities: [{ platformName: 'Android' }],
  services: [[PhonehomeService, { devicesFile: ${JSON.stringify(path.join(root, 'devices.json'))}, device: 'no-such-phone', out: ${JSON.stringify(path.join(dir, 'reports'))} }]],
};`);
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile('npx', ['--no-install', 'wdio', 'run', path.join(dir, 'wdio.conf.ts')], { cwd: root, timeout: 100_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, out: stdout + stderr }));
    });
    expect(r.code, r.out).to.not.equal(0);
    expect(r.out).to.match(/^phonehome: .*devices\.json: no device named 'no-such-phone' \(devices: redmi-note-8, /m);
    expect(readdirSync(dir)).to.not.include('spec-ran');
  });
});
