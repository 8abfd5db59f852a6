// `mocha --require phonehome/mocha <suite files>` (package.json "exports" → dist/harness/mocha.js);
// in a clone: `mocha --import=tsx --require ./harness/mocha.ts scenarios/smoke.ts`. A mocha
// root-hook plugin: its top-level await rigs the phones before mocha loads the suite files, which
// then declare their tests on them (run/stockMocha.ts). Options come from the environment
// (PHONEHOME_DEVICE, PHONEHOME_DEVICES_FILE, PHONEHOME_BROWSER, PHONEHOME_MODE, PHONEHOME_OUT,
// PHONEHOME_BASELINE, PHONEHOME_WAITS; README "Suites under the stock mocha CLI"). An entry point
// above run/, like cli/ and bin.ts.
import { PhonehomeError } from './errors.js';
import { startStockMochaRun, stockMochaOptions, type StockMochaPlugin } from './run/stockMocha.js';

// Progress goes to stderr: stdout is mocha's reporter's (`--reporter json` must stay parseable).
const io = { out: (line: string) => process.stderr.write(line + '\n'), err: (line: string) => process.stderr.write(line + '\n') };

async function start(): Promise<StockMochaPlugin> {
  try {
    return await startStockMochaRun(stockMochaOptions(), io, ['mocha', ...process.argv.slice(2)]);
  } catch (error) {
    // Bad input or a phone that could not be rigged: one line, exit 2, nothing left changed.
    if (error instanceof PhonehomeError) {
      io.err(`phonehome/mocha: ${error.message.split('\n')[0]}`);
      process.exit(error.exitCode);
    }
    throw error;
  }
}

const plugin = await start();

// Typed without mocha's namespace, so a user's TypeScript needs no @types/mocha to import this.
/** mocha's root hooks: each test recorded into the run's journal. */
export const mochaHooks: { beforeEach(): void; afterEach(): void } = plugin.mochaHooks;
/** mocha's global teardown: the phones put back, the report written. */
export const mochaGlobalTeardown: () => Promise<void> = plugin.mochaGlobalTeardown;
