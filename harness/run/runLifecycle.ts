import path from 'node:path';
import type { BrowserMode, Visit } from '../detect/index.js';
import type { DeviceEntry } from '../config/index.js';
import { AdbClient, AdbServer, allocateLaunchPort, openRunLedger, pidListeningOn, undoOnSignals } from '../device/index.js';
import { browserProfile, profilePackages } from '../drive/browsers/index.js';
import { PhonehomeError } from '../errors.js';
import { createRunFolder, JournalWriter, type RunFolder, type RunRecord, type TestRecord } from '../report/index.js';
import {
  checkAppiumUrls,
  isAssertionFailure,
  loadRunInputs,
  RiggedPhone,
  runSuitesWithMocha,
  uniqueSearchTerm,
  uniqueUrl,
  type BrowserDriver,
  type LoadedSuite,
  type ScenarioContext,
} from '../scenario/index.js';
import { writeReportsWithBaseline } from '../report/baselineReport.js';
import { declaredTests, exactTitles } from './declaredTests.js';
import { matchKey, selectDevices } from './deviceSelection.js';
import { DevicePool, type PoolPhoneSpec, type WorkItem } from './devicePool.js';
import { markVisitsLost } from './lostPhoneEvidence.js';
import { loadRun } from '../report/runLoader.js';
import { selectShard, shardLabel, type Shard } from './shard.js';

/** Where the run prints (the CLI passes its own). */
export interface RunIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface RunOptions {
  /** Suite names (scenarios/<name>.ts) or suite files. */
  suites: string[];
  devicesFile: string;
  /** --device NAME | all | tag:NAME …; empty: the devices file's default phone. */
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
  io: RunIo;
  /** Opens browsers on phones (harness/drive); created once, before the first phone is rigged. */
  createDriver: (phones: RiggedPhone[], setup: { adbPort: number; log: (line: string) => void; onProcess?: (pid: number, role: string) => void }) => Promise<BrowserDriver & { stop(): Promise<void> }>;
  /** At most this many phones rigged at once (default: every selected phone). */
  parallel?: number;
  shard?: Shard;
  /** A previous run folder: index.html shows what changed since it. */
  baseline?: string;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  folder: RunFolder;
  run: RunRecord;
  quarantined: Array<{ phone: string; reason: string }>;
}

/** Work for one pool: one suite × one browser; a retry names the tests left to do. */
interface FarmUnit {
  suite: LoadedSuite;
  browser: string;
  only?: string[];
  /** The phone a retry was lost on: a stand-in must have the same model and app version. */
  origin?: { phone: string; model?: string; version?: string };
}

interface Lane {
  phone: RiggedPhone;
  /** Visits of the test running now (one test at a time per phone). */
  current?: Visit[];
}

/**
 * The one run lifecycle of `phonehome run`; a one-phone run is a farm of one. In order: check every
 * input before a phone is touched → the run folder and its journal → a private adb server → rig the
 * phones (start, connect, capture sidecar, provision) → the browser driver → the suites → put the
 * phones back as found → the reports, whatever happened in between.
 *
 * Suites × browsers are spread over pools of phones that may stand in for each other (devices.json
 * tags), at most `parallel` phones at once, each with its own capture sidecar, Appium systemPort and
 * mocha run. A phone lost mid-run is quarantined: the tests it did not finish are recorded as lost
 * (unobservable, never passed), its visits get `device-lost` blind spots, and the tests are retried
 * once on a matching phone. With a shard, only that slice of each pool's tests runs.
 *
 * Exit codes, the same for one phone and many: 0 every assertion held, 1 an assertion failed, 2 a
 * harness or setup error — including a phone that could not be put back (its proxy or CA left on).
 * SIGINT / SIGTERM / SIGHUP: the phones are put back, the report is written from what was captured
 * (run.json status `incomplete`), then the signal ends the process as it would have.
 */
export async function runSuites(options: RunOptions): Promise<RunOutcome> {
  const { io } = options;
  const log = (line: string) => io.out(line);

  // 1. Inputs, all checked before any phone is touched.
  const { suites, browsers, devicesFile } = await loadRunInputs(options);
  const entries = selectDevices(devicesFile, options.devices);
  await checkAppiumUrls(entries);
  if (options.baseline !== undefined) await loadRun(options.baseline);
  const grep = options.grep !== undefined ? new RegExp(options.grep) : undefined;
  const parallel = options.parallel ?? entries.length;
  const keyOf = new Map(entries.map((e) => [e.name, matchKey(e)]));
  const labels = poolLabels(entries);

  // 2. The run folder and its journal.
  const folder = await createRunFolder(options.out);
  // What this run starts is recorded in its folder; what killed earlier runs left is ended first.
  const processes = await openRunLedger(folder.dir, options.out, log);
  const journal = new JournalWriter(folder.journal);
  journal.write({ type: 'run-start', runId: folder.runId, startedAt: Date.now(), argv: options.argv });
  for (const s of suites) journal.write({ type: 'suite', name: s.definition.name, file: path.relative(process.cwd(), s.file) || s.file });
  log(`run ${folder.runId}: ${suites.map((s) => s.definition.name).join(', ')} on ${entries.map((e) => e.name).join(', ')} (${parallel} at a time${options.shard ? `, shard ${shardLabel(options.shard)}` : ''})`);

  const adbServer = new AdbServer();
  const rigs: RiggedPhone[] = [];
  const stopped = new Set<RiggedPhone>();
  let driver: (BrowserDriver & { stop(): Promise<void> }) | undefined;
  let harnessFailure = false;
  let assertionFailure = false;
  let visitsDone = 0;
  let quarantined: Array<{ phone: string; reason: string }> = [];
  const lostPhones = new Set<string>();
  const counts = { passed: 0, failed: 0, pending: 0 };
  let planned = 0;
  // A rig put back no longer has a sidecar to ask: its count is kept from just before.
  const flowsAtStop = new Map<RiggedPhone, number>();
  const flows = () => rigs.reduce((n, r) => n + (flowsAtStop.get(r) ?? r.flowsRecorded), 0);
  const journalError = (message: string) => {
    harnessFailure = true;
    io.err(`phonehome run: ${message}`);
    journal.write({ type: 'error', time: Date.now(), message });
  };
  const stopRig = async (rig: RiggedPhone, quiet: boolean) => {
    if (stopped.has(rig)) return;
    stopped.add(rig);
    flowsAtStop.set(rig, rig.flowsRecorded);
    for (const problem of await rig.stop()) (quiet ? (p: string) => log(`warning: ${p}`) : journalError)(problem);
  };
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await driver?.stop().catch((error: Error) => journalError(`Appium did not stop cleanly: ${error.message}`));
      for (const rig of [...rigs].reverse()) await stopRig(rig, false);
      await adbServer.stop();
    })());
  let interrupted = false;
  const disposeSignals = undoOnSignals(async () => {
    interrupted = true;
    journalError('interrupted by a signal before the suites finished');
    await cleanup();
    const written = await writeReportsWithBaseline(folder, options.baseline).catch((error: Error) => void io.err(`phonehome run: report not written: ${error.message}`));
    if (written) log(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
  }, { log });

  try {
    await adbServer.start();
    processes.record(pidListeningOn(adbServer.port), 'adb server');
    journal.write({ type: 'adb-server', port: adbServer.port });
    const adb = new AdbClient({ port: adbServer.port });
    driver = await options.createDriver(rigs, { adbPort: adbServer.port, log, onProcess: (pid, role) => processes.record(pid, role) });
    const drv = driver;
    const ctxFor = (lane: Lane): ScenarioContext => ({
      runId: folder.runId,
      phones: [lane.phone],
      modes: options.modes,
      uniqueUrl,
      uniqueSearchTerm,
    });

    // Which tests each unit of a pool runs: planned once per pool, on its first rigged phone, so
    // every phone of the pool (and every shard job) works from the same list.
    const plans = new Map<string, Map<string, string[]>>();
    const unitId = (u: { suite: LoadedSuite; browser: string }) => `${u.suite.definition.name}\u0000${u.browser}`;
    const planFor = (key: string, lane: Lane): Map<string, string[]> => {
      let plan = plans.get(key);
      if (plan) return plan;
      const label = labels.get(key)!;
      const owned: Array<{ unit: string; title: string }> = [];
      for (const suite of suites) {
        const all = declaredTests(suite, ctxFor(lane));
        const perBrowser = browsers.map((b) => new Set(lane.phone.withBrowsersOnly([b], () => declaredTests(suite, ctxFor(lane)))));
        for (const title of all) {
          // A test declared whatever the browser (a phone-level check) goes with the first browser's unit.
          const owner = Math.max(0, perBrowser.findIndex((set) => set.has(title)));
          owned.push({ unit: unitId({ suite, browser: browsers[owner]! }), title });
        }
      }
      let chosen = grep ? owned.filter((o) => grep.test(o.title)) : owned;
      planned += chosen.length;
      if (options.shard) chosen = selectShard(chosen, options.shard, (o) => o.title);
      plan = new Map();
      for (const o of chosen) plan.set(o.unit, [...(plan.get(o.unit) ?? []), o.title]);
      plans.set(key, plan);
      const total = chosen.length;
      log(`[${label}] ${total} tests${options.shard ? ` in shard ${shardLabel(options.shard)} (of ${owned.length})` : ''} over ${suites.length} suites × ${browsers.length} browsers`);
      return plan;
    };

    const pool = new DevicePool<FarmUnit, Lane>({
      phones: entries.map((e) => ({ name: e.name, key: keyOf.get(e.name)! })),
      parallel,
      start: async (spec) => {
        const entry = await allocateLaunchPort(entries.find((e) => e.name === spec.name)!);
        log(`[${entry.name}] starting, connecting, capturing, provisioning…`);
        const packages = Object.fromEntries(browsers.map((b) => [b, profilePackages(browserProfile(b), entry.packages)]));
        const lane: Lane = {
          // Suites see the phone under its pool's name, so a test has the same title whichever phone of
          // the pool runs it (shards and retries rely on that); a phone alone in its pool keeps its name.
          phone: new RiggedPhone({
            entry, adb, folder, journal, baseDir: path.dirname(devicesFile.file), packages, log,
            onLaunch: (pid) => processes.record(pid, `phone ${entry.name}`),
            driver: drv, browsers, shownAs: labels.get(spec.key)!,
            onVisit: (visit) => {
              visitsDone++;
              lane.current?.push(visit);
            },
          }),
        };
        const rig = lane.phone;
        rigs.push(rig);
        // Appium starts while the phone is provisioned.
        drv.prepare?.(rig);
        try {
          await rig.start();
        } catch (error) {
          await stopRig(rig, true);
          throw error;
        }
        const r = rig.record;
        log(`[${entry.name}] ready: ${[r.manufacturer, r.model].filter(Boolean).join(' ')}${r.release ? `, Android ${r.release}` : ''}; ${r.apps.map((a) => `${a.browser} ${a.version}`).join(', ') || 'no known browser installed'}; capture on 127.0.0.1:${rig.sidecar.port}`);
        return lane;
      },
      // A phone put back after its work: a failed undo is an error (its proxy or CA is left on). A
      // quarantined (lost) phone's undo is expected to fail; its loss is already the error, if any.
      // Its browser sessions end first: a session reused across tests must not outlive its phone
      // (deleting it afterwards makes Appium, or a grid node, wait on a device that is gone).
      stop: async (spec, lane) => {
        await drv.release?.(lane.phone).catch(() => undefined);
        await stopRig(lane.phone, lostPhones.has(spec.name));
      },
      accepts: (item, lane) => {
        const origin = item.unit.origin;
        if (!origin) return true;
        return lane.phone.record.model === origin.model && lane.phone.appVersion(item.unit.browser) === origin.version;
      },
      run: async (item, lane, spec) => runUnit(item, lane, spec),
    });

    const runUnit = async (item: WorkItem<FarmUnit>, lane: Lane, spec: PoolPhoneSpec) => {
      const { unit } = item;
      let titles = planFor(spec.key, lane).get(unitId(unit)) ?? [];
      if (unit.only) titles = titles.filter((t) => unit.only!.includes(t));
      if (titles.length === 0) return { lost: false as const };
      const ctx = ctxFor(lane);
      const declared = new Set(declaredTests(unit.suite, ctx));
      const missing = titles.filter((t) => !declared.has(t));
      if (missing.length > 0) {
        journalError(`${spec.name} does not declare ${missing.length} test(s) its pool planned (e.g. '${missing[0]}'): its app versions differ from the pool's first phone; give it other tags`);
        titles = titles.filter((t) => declared.has(t));
        if (titles.length === 0) return { lost: false as const };
      }
      const since = Date.now();
      const held: Array<{ record: TestRecord; error: unknown }> = [];
      const done = new Set<string>();
      // Notice a dead phone within a second, so the tests after it fail fast instead of timing out.
      const watchdog = setInterval(() => void lane.phone.session.checkAlive().catch(() => undefined), 1000);
      try {
        await runSuitesWithMocha([unit.suite], ctx, { timeoutMs: options.timeoutMs, grep: exactTitles(titles) }, {
          testStarted: () => {
            lane.current = [];
          },
          testFinished: (record, error) => {
            const test: TestRecord = { ...record, visitIds: (lane.current ?? []).map((v) => v.id), device: spec.name };
            lane.current = undefined;
            if (record.state === 'failed' || lane.phone.session.lost) {
              // Held until the unit ends: a failure on a phone that turns out lost is not a verdict.
              held.push({ record: test, error });
              return;
            }
            done.add(record.fullTitle);
            counts[record.state]++;
            journal.write({ type: 'test', test });
            log(`${record.state === 'passed' ? '✓' : '-'} ${record.fullTitle} [${spec.name}] (${record.durationMs} ms; visits ${visitsDone}, flows ${flows()})`);
          },
        });
      } finally {
        clearInterval(watchdog);
      }
      const lost = await lane.phone.session.checkAlive().then(() => undefined, (error: Error) => error);
      if (!lost) {
        for (const { record, error } of held) {
          counts[record.state]++;
          journal.write({ type: 'test', test: record });
          log(`${record.state === 'failed' ? '✗' : record.state === 'passed' ? '✓' : '-'} ${record.fullTitle} [${spec.name}] (${record.durationMs} ms; visits ${visitsDone}, flows ${flows()})`);
          if (record.state === 'failed') {
            log(`    ${record.error?.message.split('\n')[0] ?? 'failed'}`);
            if (isAssertionFailure(error)) assertionFailure = true;
            else harnessFailure = true;
          }
        }
        return { lost: false as const };
      }
      const reason = lost.message.split('\n')[0]!;
      for (const { record } of held) {
        journal.write({ type: 'test', test: { ...record, state: 'pending', lost: `${spec.name} was lost during this test (${reason}); unobservable` } });
        log(`? ${record.fullTitle} [${spec.name}] lost with the phone: unobservable`);
      }
      const blind = await markVisitsLost(lane.phone.captureDir, since, reason);
      const unfinished = titles.filter((t) => !done.has(t));
      log(`[${spec.name}] lost: ${reason}; quarantined; ${blind} visits marked unobservable; ${unfinished.length} tests left to retry`);
      return {
        lost: true as const,
        reason,
        unfinished: unfinished.length > 0 ? { ...unit, only: unfinished, origin: { phone: spec.name, ...definedOnly({ model: lane.phone.record.model, version: lane.phone.appVersion(unit.browser) }) } } : undefined,
      };
    };

    pool.on('item-lost', (item, spec, _reason, retry) => {
      if (retry) log(`retrying ${retry.unit.only?.length ?? 'the'} tests of ${item.unit.suite.definition.name} (${item.unit.browser}) lost on ${spec.name} on another phone of its pool`);
    });
    pool.on('phone-quarantined', (spec, reason) => {
      lostPhones.add(spec.name);
      log(`[${spec.name}] quarantined: ${reason}`);
      // Why a phone could not be rigged (a preflight blocker and its fix, a launch that failed) is
      // what its user must act on: it goes to stderr, not only into the progress lines.
      if (reason.startsWith('did not start')) io.err(`phonehome run: [${spec.name}] ${reason}`);
    });
    const items = entries.length === 0 ? [] : [...new Set(keyOf.values())].flatMap((key) =>
      suites.flatMap((suite) => browsers.map((browser) => ({ id: `${unitId({ suite, browser })}\u0000${key}`, key, unit: { suite, browser } }))),
    );
    const outcome = await pool.run(items);
    quarantined = outcome.quarantined;
    for (const { item, reason } of outcome.abandoned) {
      const what = item.unit.only ? `${item.unit.only.length} test(s)` : 'the tests';
      journalError(`${what} of ${item.unit.suite.definition.name} (${item.unit.browser}) on pool ${labels.get(item.key)} did not run: ${reason}`);
    }
    log(`${counts.passed} passed, ${counts.failed} failed, ${counts.pending} pending; ${visitsDone} visits, ${flows()} flows captured; ${quarantined.length > 0 ? `quarantined: ${quarantined.map((q) => q.phone).join(', ')}` : 'no phone lost'}`);
    if (planned === 0 && !options.shard && outcome.abandoned.length === 0) {
      // A run that checked nothing must not look like a run where everything held. (A shard may
      // rightly hold nothing: more CI jobs than tests.)
      throw new PhonehomeError(
        options.grep !== undefined
          ? `no test matched --grep '${options.grep}' in the chosen suites (see the test titles with --grep '.' or in a report)`
          : 'the chosen suites declared no tests for these phones',
      );
    }
  } catch (error) {
    journalError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    if (!(error instanceof PhonehomeError)) io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await cleanup();
    if (!interrupted) {
      disposeSignals();
      processes.close();
      journal.write({ type: 'run-end', endedAt: Date.now(), status: harnessFailure ? 'error' : assertionFailure ? 'failed' : 'passed' });
      journal.close();
    }
  }
  // Interrupted: the signal handler writes the report (status `incomplete`) and ends the process.
  if (interrupted) await new Promise<never>(() => undefined);
  const { run } = await writeReportsWithBaseline(folder, options.baseline);
  for (const warning of run.geo?.warnings ?? []) log(`warning: ${warning}`);
  log(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
  return { exitCode: harnessFailure ? 2 : assertionFailure ? 1 : 0, folder, run, quarantined };
}

/** The name suites see for each pool: the phone's own name when it is alone, else its tags. */
function poolLabels(entries: readonly DeviceEntry[]): Map<string, string> {
  const byKey = new Map<string, DeviceEntry[]>();
  for (const e of entries) byKey.set(matchKey(e), [...(byKey.get(matchKey(e)) ?? []), e]);
  const labels = new Map<string, string>();
  for (const [key, members] of byKey) labels.set(key, members.length === 1 ? members[0]!.name : [...new Set(members[0]!.tags ?? [])].sort().join('+'));
  return labels;
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

