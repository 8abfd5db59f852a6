import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

const BIN = PHONEHOME_BIN;

/** `sh -c 'phonehome ARGS | READER; echo $? of phonehome'`: the reader closes the pipe first. */
function piped(args: string, reader: string, env: NodeJS.ProcessEnv): Promise<{ code: string; stderr: string }> {
  const script = `"${process.execPath}" "${BIN}" ${args} | ${reader}; echo "phonehome exit \${PIPESTATUS[0]}" >&2`;
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { env, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) return reject(error);
      const code = /phonehome exit (\d+)/.exec(stderr)?.[1] ?? '?';
      resolve({ code, stderr: stderr.replace(/phonehome exit \d+\n/, '') });
    });
  });
}

describe('a closed stdout ends a command quietly (EPIPE)', function () {
  this.timeout(60_000);
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phonehome-epipe-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  for (const [args, reader] of [['ca', 'true'], ['ca --android', 'head -c 1 >/dev/null'], ['--help', 'true'], ['profiles', 'head -n 1 >/dev/null']] as const) {
    it(`phonehome ${args} | ${reader}: exit 0, nothing on stderr`, async () => {
      const r = await piped(args, reader, { ...process.env, PHONEHOME_HOME: home });
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal('0');
    });
  }
});
