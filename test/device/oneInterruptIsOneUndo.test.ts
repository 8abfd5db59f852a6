import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';

const FIXTURE = path.resolve('test/device/fixtures/slowUndoUntilSignal.ts');

/** Runs the fixture, sends `signals` (each after its delay, ms after "armed"), returns how it ended. */
async function interrupt(signals: Array<[NodeJS.Signals, number]>): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    while (!output.includes('armed\n')) {
      if (child.exitCode !== null) throw new Error(`fixture ended early: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const armed = Date.now();
    for (const [signal, at] of signals) {
      await new Promise((r) => setTimeout(r, Math.max(0, armed + at - Date.now())));
      child.kill(signal);
    }
    const signal = await exited;
    return { output, signal };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// One Ctrl-C can arrive as several signals at once: the terminal's SIGINT to the process group and
// a launcher's forwarded ones (the stock mocha CLI sends its forked child SIGINT, then SIGTERM).
// They are one interrupt: the undo runs to its end. A Ctrl-C pressed again later abandons it.
describe('undoOnSignals: one interrupt is one undo', function () {
  this.timeout(60_000);

  it('SIGINT and SIGTERM together: the undo finishes, then the first signal ends the process', async () => {
    const { output, signal } = await interrupt([['SIGINT', 0], ['SIGINT', 0], ['SIGTERM', 0]]);
    expect(output).to.contain('undone\n');
    expect(output).to.not.contain('abandoning');
    expect(signal).to.equal('SIGINT');
  });

  it('a second Ctrl-C a second later abandons the undo', async () => {
    const { output, signal } = await interrupt([['SIGINT', 0], ['SIGINT', 1100]]);
    expect(output).to.contain('SIGINT again: abandoning the undo');
    expect(output).to.not.contain('undone\n');
    expect(signal).to.equal('SIGINT');
  });
});
