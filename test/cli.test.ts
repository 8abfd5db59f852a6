import { expect } from 'chai';
import { main } from '../harness/cli/main.js';

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('phonehome command line', () => {
  it('prints the command list for --help and exits 0', async () => {
    const r = recorder();
    expect(await main(['--help'], r.io)).to.equal(0);
    expect(r.out.join('\n')).to.match(/Usage: phonehome <command>/);
  });

  it('rejects an unknown command with one line on stderr and exit 2', async () => {
    const r = recorder();
    expect(await main(['frobnicate'], r.io)).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/unknown command 'frobnicate'/);
  });
});
