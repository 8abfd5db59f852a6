import Mocha from 'mocha';
import { PhonehomeError } from '../errors.js';
import type { LoadedSuite, ScenarioContext } from '../scenario/index.js';

const GLOBALS = ['describe', 'context', 'it', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'xdescribe', 'xit', 'xcontext', 'xspecify', 'run'] as const;

/**
 * The full titles of the tests a suite declares for a context, without running any: the suite's
 * body runs inside mocha's describe() exactly as a run does it, so titles match the run's. Mocha's
 * globals are restored before returning (declaration is synchronous).
 */
export function declaredTests(suite: LoadedSuite, ctx: ScenarioContext): string[] {
  const mocha = new Mocha({});
  const saved = new Map(GLOBALS.map((g) => [g, (globalThis as Record<string, unknown>)[g]]));
  try {
    mocha.suite.emit('pre-require', globalThis, suite.file, mocha);
    try {
      (globalThis as unknown as { describe: Mocha.SuiteFunction }).describe(suite.definition.name, function () {
        suite.definition.body(ctx);
      });
    } catch (error) {
      throw new PhonehomeError(`suite ${suite.definition.name} failed while declaring its tests: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (fix the suite's body)`);
    }
    const titles: string[] = [];
    const walk = (s: Mocha.Suite) => {
      for (const t of s.tests) titles.push(t.fullTitle());
      for (const child of s.suites) walk(child);
    };
    walk(mocha.suite);
    return titles;
  } finally {
    for (const [g, value] of saved) (globalThis as Record<string, unknown>)[g] = value;
    mocha.dispose();
  }
}

/** A mocha grep source that matches exactly these full titles and nothing else. */
export function exactTitles(titles: readonly string[]): string {
  return `^(?:${titles.map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`;
}
