import path from 'node:path';
import type { CliIo } from '../command.js';
import { selectDevice } from '../config/index.js';
import type { BrowserMode, Visit } from '../detect/index.js';
import { AdbClient, AdbServer, undoOnSignals, type DeviceEntry } from '../device/index.js';
import { browserProfile, profilePackages } from '../drive/browsers/index.js';
import { PhonehomeError } from '../errors.js';
import { createRunFolder, JournalWriter, writeReports, type RunFolder, type RunRecord } from '../report/index.js';
import type { ScenarioContext } from './api.js';
import { isAssertionFailure } from './assertions.js';
import { checkAppiumUrls, loadRunInputs } from './runInputs.js';
import { runSuitesWithMocha } from './mochaRun.js';
import { PhoneRig } from './phoneRig.js';
import { RiggedPhone, type BrowserDriver, type RunHooks } from './scenarioPhone.js';
import { uniqueSearchTerm, uniqueUrl } from './uniqueValues.js';

export interface RunOptions {
  /** Suite names (scenarios/<name>.ts) or suite files. */
  suites: string[];
  devicesFile: string;
  /** --device NAME…; empty: the devices file's default phone. */
  devices: string[];
  /** --browser …; empty: every browser profile. */
  browsers: string[];
  modes: BrowserMode[];
  grep?: string;
  /** Reports root (reports/); the run folder is <out>/<run-id>. */
  out: string;
  /** argv after `phonehome`, for the record. */
  argv: string[];
  timeoutMs: number;
  io: CliIo;
  /** Opens browsers on phones (harness/drive); created once phones are rigged. */
  createDriver: (rigs: PhoneRig[], setup: { adbPort: number; log: (line: string) => void }) => Promise<BrowserDriver & { stop(): Promise<void> }>;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  folder: RunFolder;
  run: RunRecord;
}

/**
 * One `phonehome run`: checks every input before touching a phone (suites, devices, browsers,
 * Appium URLs), then rigs the phones, runs the suites through mocha, puts the phones back as found,
 * and writes the report, whatever happened in between.
 */
export async function runScenarios(options: RunOptions): Promise<RunOutcome> {
  const { io } = options;
  const log = (line: string) => io.out(line);

  // 1. Inputs: any mistake is a one-line error before anything starts.
  const { suites, browsers, devicesFile } = await loadRunInputs(options);
  const entries: DeviceEntry[] = (options.devices.length > 0 ? options.devices : [undefined]).map((name) => selectDevice(devicesFile, name));
  await checkAppiumUrls(entries);

  // 2. The run folder and its journal: from here on, everything is recorded.
  const folder = await createRunFolder(options.out);
  const journal = new JournalWriter(folder.journal);
  const startedAt = Date.now();
  journal.write({ type: 'run-start', runId: folder.runId, startedAt, argv: options.argv });
  for (const s of suites) journal.write({ type: 'suite', name: s.definition.name, file: path.relative(process.cwd(), s.file) || s.file });
  log(`run ${folder.runId}: ${suites.map((s) => s.definition.name).join(', ')} on ${entries.map((e) => e.name).join(', ')}`);

  const adbServer = new AdbServer();
  const rigs: PhoneRig[] = [];
  let driver: (BrowserDriver & { stop(): Promise<void> }) | undefined;
  let harnessFailure = false;
  let assertionFailure = false;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await driver?.stop().catch((error: Error) => journalError(`Appium did not stop cleanly: ${error.message}`));
      for (const rig of rigs.reverse()) for (const problem of await rig.stop()) journalError(problem);
      await adbServer.stop();
    })());
  const journalError = (message: string) => {
    io.err(`phonehome run: ${message}`);
    journal.write({ type: 'error', time: Date.now(), message });
  };
  // Ctrl-C or kill: phones get their proxy and CA settings back, and the report is written from
  // what was captured (status 'incomplete'), before the process ends.
  const disposeSignals = undoOnSignals(async () => {
    journalError('interrupted by a signal before the suites finished');
    await cleanup();
    const run = await writeReports(folder).catch((error: Error) => void io.err(`phonehome run: report not written: ${error.message}`));
    if (run) log(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
  }, { log });

  try {
    await adbServer.start();
    journal.write({ type: 'adb-server', port: adbServer.port });
    const adb = new AdbClient({ port: adbServer.port });
    // The driver first: its Appium server starts while the phone is provisioned (prepare()).
    driver = await options.createDriver(rigs, { adbPort: adbServer.port, log });
    for (const entry of entries) {
      log(`[${entry.name}] starting, connecting, capturing, provisioning…`);
      const packages = Object.fromEntries(browsers.map((b) => [b, profilePackages(browserProfile(b), entry.packages)]));
      const rig = new PhoneRig({ entry, adb, folder, journal, baseDir: path.dirname(devicesFile.file), packages, log });
      rigs.push(rig);
      driver.prepare?.(rig);
      await rig.start();
      const r = rig.record;
      const apps = r.apps.map((a) => `${a.browser} ${a.version}`).join(', ') || 'no known browser installed';
      log(`[${entry.name}] ready: ${[r.manufacturer, r.model].filter(Boolean).join(' ')}${r.release ? `, Android ${r.release}` : ''}; ${apps}; capture on 127.0.0.1:${rig.sidecar.port}`);
    }

    // 3. The suites.
    let currentTest: Visit[] | undefined;
    let visitsDone = 0;
    const hooks: RunHooks = {
      visitMade: (visit) => {
        visitsDone++;
        currentTest?.push(visit);
      },
      uniqueUrl,
      uniqueSearchTerm,
    };
    const phones = rigs.map((rig) => new RiggedPhone(rig, driver!, hooks, browsers));
    const ctx: ScenarioContext = { runId: folder.runId, phones, modes: options.modes, uniqueUrl, uniqueSearchTerm };
    const flows = () => rigs.reduce((n, r) => n + r.flowsRecorded, 0);
    const result = await runSuitesWithMocha(suites, ctx, { timeoutMs: options.timeoutMs, ...(options.grep ? { grep: options.grep } : {}) }, {
      testStarted: () => {
        currentTest = [];
      },
      testFinished: (record, error) => {
        const visitIds = (currentTest ?? []).map((v) => v.id);
        currentTest = undefined;
        journal.write({ type: 'test', test: { ...record, visitIds } });
        const mark = record.state === 'passed' ? '✓' : record.state === 'failed' ? '✗' : '-';
        log(`${mark} ${record.fullTitle} (${record.durationMs} ms; visits ${visitsDone}, flows ${flows()})`);
        if (record.state === 'failed') {
          log(`    ${record.error?.message.split('\n')[0] ?? 'failed'}`);
          if (isAssertionFailure(error)) assertionFailure = true;
          else harnessFailure = true;
        }
      },
    });
    log(`${result.passed} passed, ${result.failed} failed, ${result.pending} pending; ${visitsDone} visits, ${flows()} flows captured`);
    if (result.passed + result.failed + result.pending === 0) {
      // A run that checked nothing must not look like a run where everything held.
      throw new PhonehomeError(
        options.grep !== undefined
          ? `no test matched --grep '${options.grep}' in the chosen suites (see the test titles with --grep '.' or in a report)`
          : 'the chosen suites declared no tests for these phones',
      );
    }
  } catch (error) {
    harnessFailure = true;
    journalError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    if (!(error instanceof PhonehomeError)) io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await cleanup();
    disposeSignals();
    const status = harnessFailure ? 'error' : assertionFailure ? 'failed' : 'passed';
    journal.write({ type: 'run-end', endedAt: Date.now(), status });
    journal.close();
  }
  const run = await writeReports(folder);
  log(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
  return { exitCode: harnessFailure ? 2 : assertionFailure ? 1 : 0, folder, run };
}
