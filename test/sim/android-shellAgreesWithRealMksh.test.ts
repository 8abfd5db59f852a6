import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';

// The simulated phone's `adb shell` is a TypeScript interpreter, not Android's mksh (sim/README.md
// "Real mksh/toybox" says why). It is held to real mksh instead: each line below was run through
// Debian's mksh R59c (`mksh -c LINE`, HOME=/) and its stdout and status recorded in
// shell-support/mksh-R59c-cases.json. The interpreter must print the same. Where mksh is installed
// the recording itself is re-checked against it, so the file cannot drift from the real shell.
// Only shell syntax is compared: tools (ls, id, date …) differ between a phone and this machine.

interface Case {
  line: string;
  stdout: string;
  status: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cases = JSON.parse(fs.readFileSync(path.join(here, 'shell-support', 'mksh-R59c-cases.json'), 'utf8')) as Case[];

function realMksh(): string | null {
  try {
    return execFileSync('mksh', ['-c', 'echo $KSH_VERSION'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

describe('sim android: the shell interpreter agrees with real mksh', function () {
  this.timeout(60_000);
  let phone: SimulatedPhone;
  const run = async (line: string) => {
    const proc = phone.android.shell(line, { pty: false });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.end();
    const status = await proc.exit;
    return { stdout, stderr, status };
  };

  before(async () => {
    phone = new SimulatedPhone({ profile: loadProfile('redmi-note-8-2020'), port: 0 });
    await phone.start();
  });
  after(async () => {
    await phone?.stop();
  });

  for (const c of cases) {
    it(c.line, async () => {
      const got = await run(c.line);
      expect({ stdout: got.stdout, status: got.status }, got.stderr).to.deep.equal({ stdout: c.stdout, status: c.status });
    });
  }

  it('the recording matches the mksh on this machine, where there is one', function () {
    const version = realMksh();
    if (!version) this.skip();
    for (const c of cases) {
      let stdout: string;
      let status = 0;
      try {
        stdout = execFileSync('mksh', ['-c', c.line], { encoding: 'utf8', cwd: '/tmp', env: { HOME: '/', PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch (error) {
        stdout = String((error as { stdout?: string }).stdout ?? '');
        status = (error as { status?: number }).status ?? -1;
      }
      expect({ line: c.line, stdout, status }, version).to.deep.equal({ line: c.line, stdout: c.stdout, status: c.status });
    }
  });

  it('shell functions, which it does not implement, are a syntax error naming the problem, never a guess', async () => {
    const got = await run('f() { echo "fn $1"; }; f arg');
    expect(got.status).to.not.equal(0);
    expect(got.stdout).to.equal('');
    expect(got.stderr).to.contain('syntax error');
  });
});
