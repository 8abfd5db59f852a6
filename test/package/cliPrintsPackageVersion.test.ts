import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { main } from '../../harness/cli/main.js';

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('phonehome --version', () => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints package.json's version alone and exits 0`, async () => {
      const r = recorder();
      expect(await main([flag], r.io)).to.equal(0);
      expect(r.out).to.deep.equal([version]);
      expect(r.err).to.deep.equal([]);
    });
  }

  it('--help names it', async () => {
    const r = recorder();
    await main(['--help'], r.io);
    expect(r.out.join('\n')).to.contain("'phonehome --version' (-V)");
  });
});
