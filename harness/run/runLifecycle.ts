import path from 'node:path';
import type { Visit } from '../detect/index.js';
import type { DeviceEntry } from '../config/index.js';
import { AdbClient, AdbServer, allocateLaunchPort, openRunLedger, pidListeningOn, undoOnSignals, type ProcessLedger } from '../device/index.js';
import { browserProfile, profilePackages } from '../drive/browsers/index.js';
import { PhonehomeError } from '../errors.js';
import { createRunFolder, JournalWriter, type RunFolder, type RunRecord, type TestRecord } from '../report/index.js';
import { writeReportsWithBaseline } from '../report/baselineReport.js';
import { isAssertionFailure, RiggedPhone, type BrowserDriver } from '../scenario/index.js';

/** Where the run prints (the CLI passes its own; the mocha plugin prints to stderr). */
export interface RunIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Opens browsers on phones (harness/drive); created once, before the first phone is rigged. */
export type CreateDriver = (
  phones: RiggedPhone[],
  setup: { adbPort: number; log: (line: string) => void; onProcess?: (pid: number, role: string) => void; env?: Readonly<Record<string, string>> },
) => Promise<BrowserDriver & { stop(): Promise<void> }>;

export interface LifecycleOptions {
  /** Reports root (reports/); the run folder is <out>/<run-id>. */
  out: string;
  /** What started the run, for the record (`run …`, `mocha …`, `wdio …`). */
  argv: string[];
  io: RunIo;
  /** The suites the run starts with: name and file, journalled (more may be added with suiteDeclared()). */
  suites: ReadonlyArray<{ name: string; file: string }>;
  /** Folder of the devices file (a phone's launch.cwd is relative to it). */
  devicesDir: string;
  /** Browser profiles the run includes. */
  browsers: readonly string[];
  /** phonehome's own browser driver; absent when the user's WebdriverIO session drives the browsers (wdio). */
  createDriver?: CreateDriver;
  /**
   * The adb server phones are reached on: default a private one the run starts (and stops); a port
   * to use the user's own (the wdio service: the user's Appium reaches the phone through it).
   */
  adbPort?: number;
  /** A previous run folder: index.html shows what changed since it. */
  baseline?: string;
  /** What follows `run <id>: ` in the first progress line (suites, phones). */
  describe: string;
  /** How errors are prefixed on stderr: the entry point's name (`phonehome run`, `phonehome/mocha` …). */
  prefix: string;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  folder: RunFolder;
  run: RunRecord;
  quarantined: Array<{ phone: string; reason: string }>;
}

/**
 * The one run lifecycle, in two halves every entry point shares (`phonehome run`, the stock-mocha
 * plugin `phonehome/mocha`, the WebdriverIO service):
 *
 *  - start (open() + rig()): the run folder and its journal → the process ledger → an adb server →
 *    the browser driver → each phone rigged (started, connected, its capture sidecar, provisioned);
 *  - finish(): the driver stopped → every phone put back as found → run-end → the reports, whatever
 *    happened in between.
 *
 * Between the halves the caller runs its tests and tells the lifecycle what happened (test(),
 * error()). Exit codes, the same for every entry point that uses them: 0 every assertion held, 1 an
 * assertion failed, 2 a harness or setup error — including a phone that could not be put back.
 * SIGINT / SIGTERM / SIGHUP at any moment: the phones are put back, the report is written from
 * what was captured (run.json status `incomplete`), then the signal ends the process as it would have.
 */
export class RunLifecycle {
  readonly folder: RunFolder;
  readonly journal: JournalWriter;
  readonly phones: RiggedPhone[] = [];
  #options: LifecycleOptions;
  #processes: ProcessLedger & { close(): void };
  #adbServer: AdbServer | undefined;
  #adb: AdbClient | undefined;
  #driver: (BrowserDriver & { stop(): Promise<void> }) | undefined;
  #stopped = new Set<RiggedPhone>();
  /** A phone put back no longer has a sidecar to ask: its count is kept from just before. */
  #flowsAtStop = new Map<RiggedPhone, number>();
  #harnessFailure = false;
  #assertionFailure = false;
  #interrupted = false;
  #cleaned: Promise<void> | undefined;
  #disposeSignals: () => void;
  readonly counts = { passed: 0, failed: 0, pending: 0 };
  /** Every harness or setup error recorded through error(), in order. */
  readonly errors: string[] = [];

  private constructor(options: LifecycleOptions, folder: RunFolder, processes: ProcessLedger & { close(): void }) {
    this.#options = options;
    this.folder = folder;
    this.#processes = processes;
    this.journal = new JournalWriter(folder.journal);
    this.#disposeSignals = undoOnSignals(async () => {
      this.#interrupted = true;
      this.error('interrupted by a signal before the suites finished');
      await this.#cleanup();
      const written = await writeReportsWithBaseline(folder, options.baseline).catch((error: Error) => void options.io.err(`${options.prefix}: report not written: ${error.message}`));
      if (written) this.#log(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
    }, { log: (line) => this.#log(line) });
  }

  /**
   * The start half up to the phones: run folder and journal, process ledger (ending what killed
   * runs left), the adb server, the browser driver. Call it once every input has been checked.
   */
  static async open(options: LifecycleOptions): Promise<RunLifecycle> {
    const log = options.io.out;
    const folder = await createRunFolder(options.out);
    // What this run starts is recorded in its folder; what killed earlier runs left is ended first.
    const processes = await openRunLedger(folder.dir, options.out, log);
    const run = new RunLifecycle(options, folder, processes);
    run.journal.write({ type: 'run-start', runId: folder.runId, startedAt: Date.now(), argv: options.argv });
    for (const s of options.suites) run.suiteDeclared(s);
    log(`run ${folder.runId}: ${options.describe}`);
    try {
      let adbPort = options.adbPort;
      if (adbPort === undefined) {
        run.#adbServer = new AdbServer({ env: processes.env });
        await run.#adbServer.start();
        adbPort = run.#adbServer.port;
        processes.record(pidListeningOn(adbPort), 'adb server');
        run.journal.write({ type: 'adb-server', port: adbPort });
      }
      run.#adb = new AdbClient({ port: adbPort });
      if (options.createDriver) {
        run.#driver = await options.createDriver(run.phones, { adbPort, log, onProcess: (pid, role) => processes.record(pid, role), env: processes.env });
      }
    } catch (error) {
      run.failed(error);
    }
    return run;
  }

  /** Did open() reach an adb server (and start the driver, if any)? If not, the error is recorded: finish(). */
  get ready(): boolean {
    return this.#adb !== undefined && (this.#options.createDriver === undefined || this.#driver !== undefined);
  }

  get runId(): string {
    return this.folder.runId;
  }

  get driver(): BrowserDriver | undefined {
    return this.#driver;
  }

  /** Has anything gone wrong that is not an assertion (exit 2)? */
  get harnessFailed(): boolean {
    return this.#harnessFailure;
  }

  /** Flows captured so far over every phone of the run. */
  flowsCaptured(): number {
    return this.phones.reduce((n, p) => n + (this.#flowsAtStop.get(p) ?? p.flowsRecorded), 0);
  }

  /** A suite that joined the run (the mocha plugin learns its suites as mocha loads them). */
  suiteDeclared(suite: { name: string; file: string }): void {
    this.journal.write({ type: 'suite', name: suite.name, file: path.relative(process.cwd(), suite.file) || suite.file });
  }

  /**
   * The start half for one phone: rigs it (start, connect, capture, provision, identifiers) with the
   * run's driver; on failure it is put back and the error thrown (the caller decides: quarantine, or
   * end the run). `shownAs`: the name suites see (its pool's); `onVisit`: told of each visit.
   */
  async rig(entry: DeviceEntry, options: { shownAs?: string; onVisit?: (visit: Visit) => void } = {}): Promise<RiggedPhone> {
    if (!this.#adb) throw new PhonehomeError('no adb server: the run could not reach one (see the error above)');
    const log = this.#options.io.out;
    const allocated = await allocateLaunchPort(entry);
    log(`[${allocated.name}] starting, connecting, capturing, provisioning…`);
    const packages = Object.fromEntries(this.#options.browsers.map((b) => [b, profilePackages(browserProfile(b), allocated.packages)]));
    const phone = new RiggedPhone({
      entry: allocated,
      adb: this.#adb,
      folder: this.folder,
      journal: this.journal,
      baseDir: this.#options.devicesDir,
      packages,
      log,
      onLaunch: (pid) => this.#processes.record(pid, `phone ${allocated.name}`),
      launchEnv: this.#processes.env,
      browsers: [...this.#options.browsers],
      ...(this.#driver ? { driver: this.#driver } : {}),
      ...(options.shownAs !== undefined ? { shownAs: options.shownAs } : {}),
      ...(options.onVisit ? { onVisit: options.onVisit } : {}),
    });
    this.phones.push(phone);
    // Appium starts while the phone is provisioned.
    this.#driver?.prepare?.(phone);
    try {
      await phone.start();
    } catch (error) {
      await this.putBack(phone, { quiet: true });
      throw error;
    }
    const r = phone.record;
    log(`[${allocated.name}] ready: ${[r.manufacturer, r.model].filter(Boolean).join(' ')}${r.release ? `, Android ${r.release}` : ''}; ${r.apps.map((a) => `${a.browser} ${a.version}`).join(', ') || 'no known browser installed'}; capture on 127.0.0.1:${phone.sidecar.port}`);
    return phone;
  }

  /**
   * Puts one phone back (its browser sessions end first: a session must not outlive its phone). A
   * failed undo is an error (its proxy or CA is left on) unless `quiet` (a phone already lost or
   * never rigged: its loss is the error, if any).
   */
  async putBack(phone: RiggedPhone, options: { quiet: boolean }): Promise<void> {
    if (this.#stopped.has(phone)) return;
    this.#stopped.add(phone);
    await this.#driver?.release?.(phone).catch(() => undefined);
    this.#flowsAtStop.set(phone, phone.flowsRecorded);
    for (const problem of await phone.stop()) (options.quiet ? (p: string) => this.#log(`warning: ${p}`) : (p: string) => this.error(p))(problem);
  }

  /** A harness or setup error (exit 2): printed and journalled. */
  error(message: string): void {
    this.#harnessFailure = true;
    this.errors.push(message);
    this.#options.io.err(`${this.#options.prefix}: ${message}`);
    this.journal.write({ type: 'error', time: Date.now(), message });
  }

  /** What an entry point caught: its first line is the error; a non-phonehome error also prints its stack. */
  failed(error: unknown): void {
    this.error(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    if (!(error instanceof PhonehomeError)) this.#options.io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }

  /**
   * A finished test: journalled and counted; a failure is an assertion failure (exit 1) when the
   * assertion library threw it, else a harness error (exit 2). `error`: what the test threw.
   */
  test(record: TestRecord, error?: unknown): void {
    this.counts[record.state]++;
    this.journal.write({ type: 'test', test: record });
    if (record.state === 'failed') {
      if (isAssertionFailure(error)) this.#assertionFailure = true;
      else this.#harnessFailure = true;
    }
  }

  /** An assertion failed that the lifecycle did not see through test() (a wdio worker journalled it). */
  assertionFailed(): void {
    this.#assertionFailure = true;
  }

  /**
   * The finish half: driver stopped, every phone put back, run-end, the reports; the exit code.
   * Interrupted by a signal: never resolves (the signal handler writes the report and ends the process).
   */
  async finish(): Promise<RunOutcome> {
    await this.#cleanup();
    if (this.#interrupted) return new Promise<never>(() => undefined);
    this.#disposeSignals();
    this.#processes.close();
    this.journal.write({ type: 'run-end', endedAt: Date.now(), status: this.#harnessFailure ? 'error' : this.#assertionFailure ? 'failed' : 'passed' });
    this.journal.close();
    const { run } = await writeReportsWithBaseline(this.folder, this.#options.baseline);
    for (const warning of run.geo?.warnings ?? []) this.#log(`warning: ${warning}`);
    this.#log(`report: ${path.relative(process.cwd(), this.folder.html) || this.folder.html}`);
    return { exitCode: this.#harnessFailure ? 2 : this.#assertionFailure ? 1 : 0, folder: this.folder, run, quarantined: [] };
  }

  #log(line: string): void {
    this.#options.io.out(line);
  }

  #cleanup(): Promise<void> {
    return (this.#cleaned ??= (async () => {
      await this.#driver?.stop().catch((error: Error) => this.error(`Appium did not stop cleanly: ${error.message}`));
      for (const phone of [...this.phones].reverse()) await this.putBack(phone, { quiet: false });
      // Whatever is still in flight (a suite interrupted by Ctrl-C) must not start a new server.
      if (this.#adbServer) this.#adb?.close();
      await this.#adbServer?.stop();
    })());
  }
}
