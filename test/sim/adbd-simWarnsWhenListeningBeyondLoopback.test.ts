import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

/** `phonehome sim --profile redmi-note-8-2020 --port 0 ARGS` until its ready line; then SIGTERM. Returns its stderr. */
async function simStderr(args: string[]): Promise<{ stderr: string; ready: string }> {
  const child = spawn(process.execPath, [PHONEHOME_BIN, 'sim', '--profile', 'redmi-note-8-2020', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise((r) => child.once('exit', r));
  try {
    const deadline = Date.now() + 20_000;
    while (!/phonehome sim: ready /.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sim never ready: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await exit;
  }
  return { stderr, ready: /phonehome sim: ready .*/.exec(stdout)![0] };
}

describe('phonehome sim --host: warns when the phone is reachable beyond this machine, as capture --host does', function () {
  this.timeout(60_000);

  it('--host 0.0.0.0: one warning line on stderr, and the phone still starts', async () => {
    const { stderr, ready } = await simStderr(['--host', '0.0.0.0']);
    expect(ready).to.match(/ready \S+:\d+/);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/^phonehome sim: warning: listening on 0\.0\.0\.0, so other machines can connect to this phone's adbd/);
  });

  it('the default (127.0.0.1): no warning', async () => {
    const { stderr } = await simStderr([]);
    expect(stderr).to.equal('');
  });
});
