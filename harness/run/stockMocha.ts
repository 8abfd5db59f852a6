import path from 'node:path';
import type Mocha from 'mocha';
import type { BrowserMode, Visit } from '../detect/index.js';
import { loadDevices, type DevicesFile } from '../config/index.js';
import { checkAppiumInstalled } from '../drive/index.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { browserProfile, BROWSER_PROFILES } from '../drive/browsers/index.js';
import type { TestRecord } from '../report/index.js';
import { loadRun } from '../report/runLoader.js';
import { createBrowserDriver } from '../scenario/browserDriver.js';
import { checkAppiumUrls, declareSuitesWith, uniqueSearchTerm, uniqueUrl, type RiggedPhone, type ScenarioContext } from '../scenario/index.js';
import { selectDevices } from './deviceSelection.js';
import { RunLifecycle, type CreateDriver, type RunIo } from './runLifecycle.js';

/** What `phonehome/mocha` reads from the environment (README "Suites under the stock mocha CLI"). */
export interface StockMochaOptions {
  /** PHONEHOME_DEVICES_FILE (or PHONEHOME_DEVICES); default ./devices.json. */
  devicesFile: string;
  /** PHONEHOME_DEVICE: NAME, a comma list, `all` or `tag:NAME`; default the devices file's default. */
  devices: string[];
  /** PHONEHOME_BROWSER: comma list of browser profiles; default every profile. */
  browsers: string[];
  /** PHONEHOME_MODE: normal, incognito or both (comma list); default both. */
  modes: BrowserMode[];
  /** PHONEHOME_OUT: the reports root; the run goes to <out>/<run-id>. Default ./reports. */
  out: string;
  /** PHONEHOME_BASELINE: a previous run folder index.html compares with. */
  baseline?: string;
}

const MODES: readonly BrowserMode[] = ['normal', 'incognito'];
const MOCHA_DEFAULT_TIMEOUT_MS = 2000;
const RUN_TIMEOUT_MS = 120_000;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/** The plugin's options from the environment; a bad value is a one-line error naming the variable and the fix. */
export function stockMochaOptions(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StockMochaOptions {
  const modes = list(env.PHONEHOME_MODE);
  for (const m of modes) if (!MODES.includes(m as BrowserMode)) throw new UsageError(`PHONEHOME_MODE: '${m}' is not a mode; use normal, incognito or normal,incognito`);
  const browsers = list(env.PHONEHOME_BROWSER);
  for (const b of browsers) browserProfile(b);
  return {
    devicesFile: path.resolve(cwd, env.PHONEHOME_DEVICES_FILE ?? env.PHONEHOME_DEVICES ?? 'devices.json'),
    devices: list(env.PHONEHOME_DEVICE),
    browsers: browsers.length > 0 ? browsers.map((b) => browserProfile(b).name) : BROWSER_PROFILES.map((p) => p.name),
    modes: modes.length > 0 ? (modes as BrowserMode[]) : [...MODES],
    out: path.resolve(cwd, env.PHONEHOME_OUT ?? 'reports'),
    ...(env.PHONEHOME_BASELINE ? { baseline: path.resolve(cwd, env.PHONEHOME_BASELINE) } : {}),
  };
}

/** What the stock mocha CLI takes from a `--require` module (mocha's root-hook plugin exports). */
export interface StockMochaPlugin {
  mochaHooks: { beforeEach(this: Mocha.Context): void; afterEach(this: Mocha.Context): void };
  mochaGlobalTeardown: () => Promise<void>;
  /** The rigged phones' run (for a custom entry point). */
  run: RunLifecycle;
}

/** The top-level describe a test belongs to: its phonehome suite's name. */
function suiteOf(test: Mocha.Runnable): string {
  let s: Mocha.Suite | undefined = test.parent;
  while (s?.parent && !s.parent.root) s = s.parent;
  return s?.title ?? '';
}

/**
 * phonehome under the stock `mocha` CLI (`mocha --require phonehome/mocha scenarios/forbes-2020.js`).
 * Suites declare their tests from `ctx.phones` when their file loads, and mocha loads `--require`
 * modules (awaiting an ES module's top-level await) before any spec file, so this runs the run
 * lifecycle's start half here: inputs checked → run folder and journal → adb server → driver →
 * every chosen phone rigged. Then every `defineSuite(...)` that loads declares
 * `describe(name, () => body(ctx))` on mocha's own interface, so mocha's reporters, --grep,
 * --retries and --bail apply as to any spec. Each test is recorded through mocha's public root
 * hooks (afterEach's `this.currentTest`; an attempt mocha will retry is not recorded); the global
 * teardown is the lifecycle's finish half (phones put back, reports written). Signals put the
 * phones back too (the lifecycle's handler). Exit code: mocha's; a harness problem outside any test
 * (a phone that could not be put back) fails the teardown, which mocha counts as one more failure.
 *
 * Runs serially in mocha's process (not under `--parallel`, whose workers cannot share the phones).
 */
export async function startStockMochaRun(options: StockMochaOptions, io: RunIo, argv: string[], createDriver: CreateDriver = createBrowserDriver): Promise<StockMochaPlugin> {
  // Inputs, all checked before any phone is touched.
  let devicesFile: DevicesFile;
  try {
    devicesFile = await loadDevices(options.devicesFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PhonehomeError(`${options.devicesFile}: no such devices file; set PHONEHOME_DEVICES_FILE to yours (see README "Devices")`);
    throw error;
  }
  const entries = selectDevices(devicesFile, options.devices);
  await checkAppiumUrls(entries);
  checkAppiumInstalled(entries);
  if (options.baseline !== undefined) await loadRun(options.baseline);

  const run = await RunLifecycle.open({
    out: options.out,
    argv,
    io,
    prefix: 'phonehome/mocha',
    suites: [],
    devicesDir: path.dirname(devicesFile.file),
    browsers: options.browsers,
    createDriver,
    ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
    describe: `mocha suites on ${entries.map((e) => e.name).join(', ')}`,
  });
  let visits: Visit[] = [];
  let retrying = false;
  const phones: RiggedPhone[] = [];
  try {
    if (!run.ready) throw new PhonehomeError('the run could not start (see the error above)');
    for (const entry of entries) phones.push(await run.rig(entry, { onVisit: (visit) => visits.push(visit) }));
  } catch (error) {
    // The reason is printed and journalled once (failed()); the report says the rest.
    run.failed(error);
    await run.finish();
    throw new PhonehomeError('no test ran; the phones were put back');
  }

  const ctx: ScenarioContext = { runId: run.runId, phones, modes: options.modes, uniqueUrl, uniqueSearchTerm };
  declareSuitesWith((definition) => {
    const describe = (globalThis as { describe?: Mocha.SuiteFunction }).describe;
    if (typeof describe !== 'function') {
      throw new PhonehomeError(`suite ${definition.name}: phonehome/mocha declares suites on mocha's describe(), which is not defined here; load suite files through the mocha CLI`);
    }
    const suite = describe(definition.name, function () {
      const returned: unknown = definition.body(ctx);
      if (returned !== undefined && typeof (returned as Promise<unknown>)?.then === 'function') {
        throw new PhonehomeError(`suite ${definition.name} is malformed: its body is async; declare tests synchronously and await inside before()/it()`);
      }
    });
    // mocha's default 2 s cannot drive a phone: a suite left at the default gets phonehome run's
    // per-test timeout (120 s); `--timeout` (or .mocharc) chooses another.
    if (suite.timeout() === MOCHA_DEFAULT_TIMEOUT_MS) suite.timeout(RUN_TIMEOUT_MS);
    run.suiteDeclared({ name: definition.name, file: suite.file ?? definition.name });
  });

  const mochaHooks: StockMochaPlugin['mochaHooks'] = {
    beforeEach() {
      // A retried attempt's visits stay with the test: its final record lists every visit it made.
      if (!retrying) visits = [];
      retrying = false;
    },
    afterEach(this: Mocha.Context) {
      const test = this.currentTest;
      if (!test) return;
      // No state yet after a failed attempt: mocha will retry it, and the last attempt is the record.
      const state = test.state === 'passed' || test.state === 'failed' || test.state === 'pending' ? test.state : undefined;
      if (!state) {
        retrying = true;
        return;
      }
      const error: unknown = (test as Mocha.Test & { err?: unknown }).err;
      const message = error instanceof Error ? error.message : error === undefined ? undefined : String(error);
      const devices = [...new Set(visits.map((v) => v.device))];
      const record: TestRecord = {
        suite: suiteOf(test),
        title: test.title,
        fullTitle: test.fullTitle(),
        state,
        durationMs: Math.max(0, test.duration ?? 0),
        ...(state === 'failed' ? { error: { message: message ?? 'failed', ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) } } : {}),
        visitIds: visits.map((v) => v.id),
        ...(devices.length === 1 ? { device: devices[0]! } : {}),
      };
      run.test(record, error);
      visits = [];
    },
  };

  const mochaGlobalTeardown = async (): Promise<void> => {
    declareSuitesWith(undefined);
    await run.finish();
    // Failed tests are mocha's failures already; what is left is outside any test.
    const problems = run.errors;
    if (problems.length > 0) {
      // mocha prints a teardown error's stack: this one's stack is its one line.
      const error = new PhonehomeError(`phonehome/mocha: ${problems.length} problem(s) while putting the phones back: ${problems[0]}`);
      error.stack = error.message;
      throw error;
    }
  };
  return { mochaHooks, mochaGlobalTeardown, run };
}
