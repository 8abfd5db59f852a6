import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ScenarioContext } from '../../harness/scenario/index.js';
import { loadSuite, runSuitesWithMocha, type TestSink } from '../../harness/scenario/index.js';
import { PhonehomeError } from '../../harness/errors.js';

const SCENARIO_INDEX = path.resolve('harness/scenario/index.js');

function context(): ScenarioContext {
  return { runId: 'test', phones: [], modes: ['normal', 'incognito'], uniqueUrl: () => 'https://x.test/a', uniqueSearchTerm: () => 'term' };
}

function recordingSink() {
  const started: string[] = [];
  const finished: Array<Parameters<TestSink['testFinished']>> = [];
  const sink: TestSink = { testStarted: (_s, title) => started.push(title), testFinished: (...args) => finished.push(args) };
  return { sink, started, finished };
}

describe('suites run through mocha', function () {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-suites-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function suiteFile(name: string, body: string): Promise<string> {
    const file = path.join(dir, `${name}.ts`);
    await writeFile(file, `import { defineSuite, expect } from ${JSON.stringify(SCENARIO_INDEX)};\n${body}\n`);
    return file;
  }

  it('reports passed, failed (assertion or hook) and pending tests with suite and full title, and gives the body the context', async () => {
    const file = await suiteFile(
      'sample',
      `export default defineSuite({ name: 'sample', description: 'd' }, (ctx) => {
        describe('group', () => {
          it('passes with ' + ctx.modes.join('+'), () => { expect(1).to.equal(1); });
          it('fails', () => { expect(1, 'one is two').to.equal(2); });
          it.skip('is pending', () => {});
        });
        describe('broken setup', () => {
          before(() => { throw new Error('phone lost'); });
          it('never runs', () => {});
        });
      });`,
    );
    const { sink, started, finished } = recordingSink();
    const result = await runSuitesWithMocha([await loadSuite(file)], context(), { timeoutMs: 5000 }, sink);
    expect(result).to.deep.equal({ passed: 1, failed: 2, pending: 1 });
    expect(started).to.deep.equal(['sample group passes with normal+incognito', 'sample group fails']);
    const byTitle = new Map(finished.map(([r, e]) => [r.title, { r, e }]));
    expect(byTitle.get('passes with normal+incognito')!.r).to.include({ suite: 'sample', state: 'passed', fullTitle: 'sample group passes with normal+incognito' });
    const failed = byTitle.get('fails')!;
    expect(failed.r.state).to.equal('failed');
    expect(failed.r.error!.message).to.match(/one is two/);
    expect((failed.e as Error).name).to.equal('AssertionError');
    expect(byTitle.get('is pending')!.r.state).to.equal('pending');
    const hook = finished.find(([r]) => r.title.includes('before all'))!;
    expect(hook[0]).to.include({ suite: 'sample', state: 'failed' });
    expect((hook[1] as Error).message).to.equal('phone lost');
  });

  it('leaves the surrounding mocha globals as they were', async () => {
    const before = globalThis.it;
    const file = await suiteFile('globals', `export default defineSuite({ name: 'globals', description: 'd' }, () => { it('x', () => {}); });`);
    await runSuitesWithMocha([await loadSuite(file)], context(), { timeoutMs: 5000 }, recordingSink().sink);
    expect(globalThis.it).to.equal(before);
  });

  it('runs only tests matching grep', async () => {
    const file = await suiteFile('grep', `export default defineSuite({ name: 'grep', description: 'd' }, () => { it('alpha', () => {}); it('beta', () => {}); });`);
    const { sink, finished } = recordingSink();
    await runSuitesWithMocha([await loadSuite(file)], context(), { timeoutMs: 5000, grep: 'beta' }, sink);
    expect(finished.map(([r]) => r.title)).to.deep.equal(['beta']);
  });

  it('survives a test that settles again after the run has ended', async () => {
    const file = await suiteFile('late', `export default defineSuite({ name: 'late', description: 'd' }, () => { it('settles twice', function (done) { done(); setTimeout(() => done(), 30); }); });`);
    const { sink, finished } = recordingSink();
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onCrash);
    try {
      await runSuitesWithMocha([await loadSuite(file)], context(), { timeoutMs: 5000 }, sink);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', onCrash);
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(finished.map(([r]) => r.state)).to.deep.equal(['passed']);
    expect(crashes).to.deep.equal([]);
  });

  it('refuses an async body and a body that throws while declaring, naming the file', async () => {
    const asyncFile = await suiteFile('asyncbody', `export default defineSuite({ name: 'asyncbody', description: 'd' }, (async () => { it('x', () => {}); }) as never);`);
    let error: unknown;
    try {
      await runSuitesWithMocha([await loadSuite(asyncFile)], context(), { timeoutMs: 5000 }, recordingSink().sink);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.match(/asyncbody\.ts is malformed: its body is async/);

    const throwing = await suiteFile('throwing', `export default defineSuite({ name: 'throwing', description: 'd' }, (ctx) => { (ctx as any).phones[0].name; });`);
    error = undefined;
    try {
      await runSuitesWithMocha([await loadSuite(throwing)], context(), { timeoutMs: 5000 }, recordingSink().sink);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/throwing\.ts failed while declaring its tests: .*undefined/);
  });
});
