import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

const binary = PHONEHOME_BIN;

/** The real binary, as a user runs it. */
function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [binary, ...argv], { timeout: 20000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, out: stdout.trimEnd(), err: stderr.trimEnd() });
    });
  });
}

describe('phonehome profiles', function () {
  this.timeout(30000);
  it('lists every shipped profile with its model and apps', async () => {
    const r = await run('profiles');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^redmi-note-8-2020 +Redmi Note 8, Android 10 \(API 29\), user, rootable: .*com\.mi\.globalbrowser\.mini 3\.4\.0 \(11 rules\)/m);
    expect(r.out).to.match(/^clean-control .*\(0 rules\)/m);
  });

  it('--check: exit 0 for a valid file, 2 with one line naming file and field for a broken one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-profiles-cli-'));
    try {
      const good = path.join(dir, 'good.json');
      const data = JSON.parse(fs.readFileSync(new URL('../../sim/profiles/redmi-1s-2014.json', import.meta.url), 'utf8')) as { device: { sdk: unknown } };
      fs.writeFileSync(good, JSON.stringify(data));
      expect((await run('profiles', '--check', good)).code).to.equal(0);
      data.device.sdk = 'eighteen';
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify(data));
      const r = await run('profiles', '--check', bad);
      expect(r.code).to.equal(2);
      expect(r.err).to.equal(`${bad}: /device/sdk: must be of type integer`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects stray arguments as usage errors', async () => {
    const r = await run('profiles', 'redmi-note-8-2020');
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("see 'phonehome profiles --help'");
  });
});
