import { expect } from 'chai';
import { main } from '../../harness/cli/main.js';
import { checkTool } from '../../harness/setup/index.js';

describe('phonehome doctor', () => {
  it('finds the adb the project depends on and prints its version', async () => {
    const out: string[] = [];
    const code = await main(['doctor'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).to.equal(0);
    expect(out.find((l) => l.startsWith('adb'))).to.match(/Android Debug Bridge version \d/);
  });

  it('reports a program that is not installed as missing', async () => {
    const status = await checkTool({ command: 'phonehome-no-such-program', debianPackage: 'x', purpose: 'test', required: true, versionArgs: [] });
    expect(status.found).to.equal(false);
  });

  it('rejects an unknown option with a pointer to --help', async () => {
    const err: string[] = [];
    const code = await main(['doctor', '--frob'], { out: () => {}, err: (l) => err.push(l) });
    expect(code).to.equal(2);
    expect(err[0]).to.match(/phonehome doctor: .*--frob.*see 'phonehome doctor --help'/);
  });
});
