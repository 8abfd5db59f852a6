import path from 'node:path';
import Mocha from 'mocha';
import { PhonehomeError } from '../errors.js';
import type { TestRecord } from '../report/index.js';
import type { ScenarioContext } from './api.js';
import type { LoadedSuite } from './loadSuites.js';

/** Where the runner reports: the run session journals the records and prints progress. */
export interface TestSink {
  testStarted(suite: string, fullTitle: string): void;
  /** A test (or a failing hook) finished; `error` is what it threw, for exit-code classification. */
  testFinished(record: Omit<TestRecord, 'visitIds'>, error: unknown): void;
}

export interface MochaRunOptions {
  /** Only tests whose full title matches (mocha --grep). */
  grep?: string;
  /** Per-test timeout (ms). */
  timeoutMs: number;
  cwd?: string;
}

export interface MochaRunResult {
  passed: number;
  failed: number;
  pending: number;
}

const GLOBALS = ['describe', 'context', 'it', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'xdescribe', 'xit', 'xcontext', 'xspecify', 'run'] as const;

/**
 * Runs suites through mocha's API: each suite becomes a top-level `describe(name)` whose body is
 * the suite's own, called with the run's context. Mocha's BDD globals are installed for the
 * duration and restored after, so a run inside another mocha process leaves it intact.
 */
export async function runSuitesWithMocha(suites: LoadedSuite[], ctx: ScenarioContext, options: MochaRunOptions, sink: TestSink): Promise<MochaRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const result: MochaRunResult = { passed: 0, failed: 0, pending: 0 };
  const reporter = sinkReporter(sink, result);
  const mocha = new Mocha({ timeout: options.timeoutMs, reporter, ...(options.grep ? { grep: options.grep } : {}) });
  const saved = new Map(GLOBALS.map((g) => [g, (globalThis as Record<string, unknown>)[g]]));
  try {
    for (const { definition, file } of suites) {
      mocha.suite.emit('pre-require', globalThis, file, mocha);
      const shown = path.relative(cwd, file) || file;
      try {
        // describe(…) runs the body synchronously: errors thrown while declaring tests land here.
        (globalThis as unknown as { describe: Mocha.SuiteFunction }).describe(definition.name, function () {
          const returned: unknown = definition.body(ctx);
          if (returned !== undefined && typeof (returned as Promise<unknown>)?.then === 'function') {
            throw new PhonehomeError(`suite ${shown} is malformed: its body is async; declare tests synchronously and await inside before()/it()`);
          }
        });
      } catch (error) {
        if (error instanceof PhonehomeError) throw error;
        throw new PhonehomeError(`suite ${shown} failed while declaring its tests: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (fix the suite's body)`);
      }
      mocha.suite.emit('post-require', globalThis, file, mocha);
    }
    await new Promise<void>((resolve) => mocha.run(() => resolve()));
  } finally {
    for (const [g, value] of saved) (globalThis as Record<string, unknown>)[g] = value;
    mocha.dispose();
    ignoreLateSettles(mocha.suite);
  }
  return result;
}

/**
 * A test that timed out can still settle later; mocha then emits 'error' on it ("done() called
 * multiple times"). dispose() removed the runner's listeners, and an 'error' event without a
 * listener would crash the process. The test was already recorded as failed, so the late settle
 * carries nothing new.
 */
function ignoreLateSettles(suite: Mocha.Suite): void {
  const lists = suite as unknown as Record<'_beforeAll' | '_beforeEach' | '_afterAll' | '_afterEach', Mocha.Hook[] | undefined>;
  const hooks = [lists._beforeAll, lists._beforeEach, lists._afterAll, lists._afterEach].flatMap((list) => list ?? []);
  for (const runnable of [...suite.tests, ...hooks]) runnable.on('error', () => {});
  for (const child of suite.suites) ignoreLateSettles(child);
}

/** The top-level describe a runnable belongs to: its phonehome suite's name. */
function suiteOf(runnable: Mocha.Runnable): string {
  let s: Mocha.Suite | undefined = runnable.parent;
  while (s?.parent && !s.parent.root) s = s.parent;
  return s?.title ?? '';
}

function sinkReporter(sink: TestSink, result: MochaRunResult): typeof Mocha.reporters.Base {
  const C = Mocha.Runner.constants;
  return class SinkReporter extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      runner.on(C.EVENT_TEST_BEGIN, (test: Mocha.Test) => sink.testStarted(suiteOf(test), test.fullTitle()));
      runner.on(C.EVENT_TEST_PASS, (test: Mocha.Test) => {
        result.passed++;
        sink.testFinished(record(test, 'passed'), undefined);
      });
      runner.on(C.EVENT_TEST_PENDING, (test: Mocha.Test) => {
        result.pending++;
        sink.testFinished(record(test, 'pending'), undefined);
      });
      runner.on(C.EVENT_TEST_FAIL, (runnable: Mocha.Runnable, error: unknown) => {
        result.failed++;
        const message = error instanceof Error ? error.message : String(error);
        const stack = error instanceof Error ? error.stack : undefined;
        sink.testFinished({ ...record(runnable, 'failed'), error: stack ? { message, stack } : { message } }, error);
      });
    }
  };
}

function record(runnable: Mocha.Runnable, state: TestRecord['state']): Omit<TestRecord, 'visitIds'> {
  return {
    suite: suiteOf(runnable),
    title: runnable.title,
    fullTitle: runnable.fullTitle(),
    state,
    durationMs: Math.max(0, runnable.duration ?? 0),
  };
}
