import path from 'node:path';
import type { BrowserMode, Visit } from '../detect/index.js';
import type { DeviceEntry } from '../config/index.js';
import { checkAppiumInstalled } from '../drive/index.js';
import { PhonehomeError } from '../errors.js';
import { checkAppiumUrls, loadRunInputs, runSuitesWithMocha, uniqueSearchTerm, uniqueUrl, type LoadedSuite, type RiggedPhone, type ScenarioContext } from '../scenario/index.js';
import type { TestRecord } from '../report/index.js';
import { declaredTests, exactTitles } from './declaredTests.js';
import { matchKey, selectDevices } from './deviceSelection.js';
import { DevicePool, type PoolPhoneSpec, type WorkItem } from './devicePool.js';
import { markVisitsLost } from './lostPhoneEvidence.js';
import { loadRun } from '../report/runLoader.js';
import { RunLifecycle, type CreateDriver, type RunIo, type RunOutcome } from './runLifecycle.js';
import { selectShard, shardLabel, type Shard } from './shard.js';

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
  createDriver: CreateDriver;
  /** At most this many phones rigged at once (default: every selected phone). */
  parallel?: number;
  shard?: Shard;
  /** A previous run folder: index.html shows what changed since it. */
  baseline?: string;
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
 * `phonehome run`: the run lifecycle (runLifecycle.ts) with suites × browsers spread over pools of
 * phones that may stand in for each other (devices.json tags); a one-phone run is a farm of one.
 * At most `parallel` phones at once, each with its own capture sidecar, Appium systemPort and
 * mocha run. A phone lost mid-run is quarantined: the tests it did not finish are recorded as lost
 * (unobservable, never passed), its visits get `device-lost` blind spots, and the tests are retried
 * once on a matching phone. With a shard, only that slice of each pool's tests runs.
 *
 * Exit codes and signals are the lifecycle's: 0 / 1 / 2 (2 also when a phone cannot be put back);
 * SIGINT / SIGTERM / SIGHUP put the phones back and write the report (status `incomplete`).
 */
export async function runSuites(options: RunOptions): Promise<RunOutcome> {
  const { io } = options;
  const log = (line: string) => io.out(line);

  // 1. Inputs, all checked before any phone is touched.
  const { suites, browsers, devicesFile } = await loadRunInputs(options);
  const entries = selectDevices(devicesFile, options.devices);
  await checkAppiumUrls(entries);
  checkAppiumInstalled(entries);
  if (options.baseline !== undefined) await loadRun(options.baseline);
  const grep = options.grep !== undefined ? new RegExp(options.grep) : undefined;
  const parallel = options.parallel ?? entries.length;
  const keyOf = new Map(entries.map((e) => [e.name, matchKey(e)]));
  const labels = poolLabels(entries);

  // 2–3. The start half: run folder and journal, adb server, driver.
  const run = await RunLifecycle.open({
    out: options.out,
    argv: options.argv,
    io,
    prefix: 'phonehome run',
    suites: suites.map((s) => ({ name: s.definition.name, file: s.file })),
    devicesDir: path.dirname(devicesFile.file),
    browsers,
    createDriver: options.createDriver,
    ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
    describe: `${suites.map((s) => s.definition.name).join(', ')} on ${entries.map((e) => e.name).join(', ')} (${parallel} at a time${options.shard ? `, shard ${shardLabel(options.shard)}` : ''})`,
  });
  let visitsDone = 0;
  let quarantined: Array<{ phone: string; reason: string }> = [];
  const lostPhones = new Set<string>();
  let planned = 0;
  const progress = (record: Omit<TestRecord, 'visitIds'>, phone: string) => `${record.fullTitle} [${phone}] (${record.durationMs} ms; visits ${visitsDone}, flows ${run.flowsCaptured()})`;

  try {
    if (!run.ready) return await run.finish();
    const ctxFor = (lane: Lane): ScenarioContext => ({
      runId: run.runId,
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
      // 4. Rig a phone (the lifecycle's start half for one phone). Suites see it under its pool's
      // name, so a test has the same title whichever phone of the pool runs it (shards and retries
      // rely on that); a phone alone in its pool keeps its name.
      start: async (spec) => {
        const lane: Lane = {
          phone: await run.rig(entries.find((e) => e.name === spec.name)!, {
            shownAs: labels.get(spec.key)!,
            onVisit: (visit) => {
              visitsDone++;
              lane.current?.push(visit);
            },
          }),
        };
        return lane;
      },
      // A phone put back after its work; a quarantined (lost) phone's undo is expected to fail.
      stop: async (spec, lane) => run.putBack(lane.phone, { quiet: lostPhones.has(spec.name) }),
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
        run.error(`${spec.name} does not declare ${missing.length} test(s) its pool planned (e.g. '${missing[0]}'): its app versions differ from the pool's first phone; give it other tags`);
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
            run.test(test);
            log(`${record.state === 'passed' ? '✓' : '-'} ${progress(record, spec.name)}`);
          },
        });
      } finally {
        clearInterval(watchdog);
      }
      const lost = await lane.phone.session.checkAlive().then(() => undefined, (error: Error) => error);
      if (!lost) {
        for (const { record, error } of held) {
          run.test(record, error);
          log(`${record.state === 'failed' ? '✗' : record.state === 'passed' ? '✓' : '-'} ${progress(record, spec.name)}`);
          if (record.state === 'failed') log(`    ${record.error?.message.split('\n')[0] ?? 'failed'}`);
        }
        return { lost: false as const };
      }
      const reason = lost.message.split('\n')[0]!;
      for (const { record } of held) {
        run.journal.write({ type: 'test', test: { ...record, state: 'pending', lost: `${spec.name} was lost during this test (${reason}); unobservable` } });
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
      run.error(`${what} of ${item.unit.suite.definition.name} (${item.unit.browser}) on pool ${labels.get(item.key)} did not run: ${reason}`);
    }
    const { counts } = run;
    log(`${counts.passed} passed, ${counts.failed} failed, ${counts.pending} pending; ${visitsDone} visits, ${run.flowsCaptured()} flows captured; ${quarantined.length > 0 ? `quarantined: ${quarantined.map((q) => q.phone).join(', ')}` : 'no phone lost'}`);
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
    run.failed(error);
  }
  // 5–6. The finish half: phones put back, the reports, the exit code.
  return { ...(await run.finish()), quarantined };
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

