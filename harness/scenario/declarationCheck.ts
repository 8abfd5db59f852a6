import path from 'node:path';
import Mocha from 'mocha';
import type { BrowserMode } from '../detect/index.js';
import { PhonehomeError } from '../errors.js';
import type { OpenBrowserOptions, ScenarioBrowser, ScenarioContext, ScenarioIdentifier, ScenarioPhone, ScenarioStep, ScenarioSystemUi } from './api.js';
import type { LoadedSuite } from './loadSuites.js';
import { uniqueSearchTerm, uniqueUrl } from './uniqueValues.js';

const GLOBALS = ['describe', 'context', 'it', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'xdescribe', 'xit', 'xcontext', 'xspecify', 'run'] as const;

/**
 * A phone as a suite sees it while its tests are declared, before any phone is reached: its name
 * and the run's browsers, as if installed. Anything that acts on a phone belongs in a test or hook,
 * so calling it here is the suite's mistake, said so.
 */
class DeclaringPhone implements ScenarioPhone {
  constructor(readonly name: string, private readonly runBrowsers: readonly string[]) {}
  get model(): string | undefined { return undefined; }
  browsers(only?: readonly string[]): string[] { return this.runBrowsers.filter((b) => !only || only.includes(b)); }
  appVersion(): string | undefined { return undefined; }
  #acts(what: string): never {
    throw new PhonehomeError(`${what} was called while the suite declares its tests; act on a phone inside it() or before(), not in the suite's body`);
  }
  openBrowser(_b: string, _m: BrowserMode, _o?: OpenBrowserOptions): Promise<ScenarioBrowser> { return this.#acts('openBrowser()'); }
  addContact(): Promise<ScenarioIdentifier> { return this.#acts('addContact()'); }
  receiveSms(): Promise<ScenarioIdentifier> { return this.#acts('receiveSms()'); }
  signInMiAccount(): Promise<void> { return this.#acts('signInMiAccount()'); }
  joinWifi(): Promise<void> { return this.#acts('joinWifi()'); }
  identifier(): ScenarioIdentifier { return this.#acts('identifier()'); }
  sendToBackground(): Promise<void> { return this.#acts('sendToBackground()'); }
  waitForTelemetry(): Promise<void> { return this.#acts('waitForTelemetry()'); }
  step(): Promise<ScenarioStep> { return this.#acts('step()'); }
  systemUi(): Promise<ScenarioSystemUi> { return this.#acts('systemUi()'); }
}

/**
 * Declares every suite's tests once with stand-in phones, before the run starts any phone, so a
 * suite that throws while declaring (a typo, a bad loop) is a one-line error naming the file, not
 * a failure found after minutes of launching and provisioning. Nothing runs; mocha's globals are
 * restored.
 */
export function checkSuitesDeclare(suites: readonly LoadedSuite[], setup: { phones: readonly string[]; browsers: readonly string[]; modes: readonly BrowserMode[] }, cwd = process.cwd()): void {
  const ctx: ScenarioContext = {
    runId: 'declaring',
    phones: setup.phones.map((name) => new DeclaringPhone(name, setup.browsers)),
    modes: setup.modes,
    uniqueUrl,
    uniqueSearchTerm,
  };
  for (const { definition, file } of suites) {
    const mocha = new Mocha({});
    const saved = new Map(GLOBALS.map((g) => [g, (globalThis as Record<string, unknown>)[g]]));
    const shown = path.relative(cwd, file) || file;
    try {
      mocha.suite.emit('pre-require', globalThis, file, mocha);
      (globalThis as unknown as { describe: Mocha.SuiteFunction }).describe(definition.name, function () {
        definition.body(ctx);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new PhonehomeError(`suite ${shown} failed while declaring its tests: ${message} (fix the suite's body; no phone was started)`);
    } finally {
      for (const [g, value] of saved) (globalThis as Record<string, unknown>)[g] = value;
      mocha.dispose();
    }
  }
}
