// The mocha config of `npm test`: the repo's .mocharc.json (which stays serial, since
// test/scenario/stockMochaRunsASuite spawns stock mocha reading it) plus --parallel on 2 jobs,
// with the slowest test files handed out first.
//
// Why the order: mocha --parallel queues the files in the order it is given them and each free
// worker takes the next one (mocha lib/nodejs/parallel-buffered-runner: every file goes to one
// workerpool at once, FIFO). In glob order the longest files (test/sim/conformance-*, test/wdio/*)
// came last, so one worker ran a minute-long file alone while the other had finished. Longest
// first (LPT scheduling) ends both workers close together. A file missing from SLOWEST_FIRST
// simply runs in glob order after them; the list only decides order, never which files run.
//
// Refresh the list from a run of the suite with test/fileTimes.ts (it prints each file's time):
//   PHONEHOME_TEST_TIMES=/tmp/t.jsonl npx mocha --config test/parallel.mocharc.cjs --require test/fileTimes.ts
//   node --import tsx test/fileTimes.ts /tmp/t.jsonl
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const base = require('../.mocharc.json');

// Screen recording (on by default for users) costs every run-based test CPU for frames nobody
// checks; the tests about it turn it on themselves (findingsSuitesEndToEnd runs with
// PHONEHOME_RECORDING=on; recordsTheScreenAsAnimatedPng drives the recorder directly). The mocha
// workers inherit this environment. A value set by the caller wins.
process.env.PHONEHOME_RECORDING ??= 'off';

/**
 * Slowest first: the files whose run (hooks included) took longest in a run of the suite on this
 * machine (bench:tests, 2026-12-07, load 10–28: 380 s for the first, 35 s for the last listed).
 */
const SLOWEST_FIRST = [
  'test/sim/conformance-appiumAdbOnEveryProfile.test.ts',
  'test/sim/conformance-plainWebdriverioSessionOnEveryProfile.test.ts',
  'test/run/shardsGridAndNightlyDiff.test.ts',
  'test/drive/drivesBrowsersThroughAppium.test.ts',
  'test/device/runsOnEachRealPhoneMode.test.ts',
  'test/scenario/findingsSuitesEndToEnd.test.ts',
  'test/sim/appium-stockDriverDrivesTheBrowsers.test.ts',
  'test/scenario/stockMochaRunsASuite.test.ts',
  'test/package/installsFromTarball.test.ts',
  'test/wdio/wdioServiceRunsUserSpecs.test.ts',
  'test/scenario/suitesEndToEnd.test.ts',
  'test/scenario/captureLossMakesVisitsUnobservable.test.ts',
  'test/scenario/fasterWaitsKeepVerdicts.test.ts',
  'test/scenario/runsSuitesThroughMocha.test.ts',
  'test/capture/streamsLargeUploadsToDisk.test.ts',
  'test/scenario/runRejectsBadInput.test.ts',
  'test/run/failedUndoIsAnError.test.ts',
  'test/run/interruptedRunPutsPhonesBack.test.ts',
  'test/scenario/twoRunsOfDefaultDevicesAtOnce.test.ts',
  'test/capture/survivesKillAndStopsCleanly.test.ts',
  'test/report/htmlReportEscapesCapturedText.test.ts',
  'test/scenario/killedRunLeavesNoProcesses.test.ts',
  'test/run/killedPhoneIsRetriedElsewhere.test.ts',
  'test/run/poolQuarantinesAndRetries.test.ts',
  'test/sim/conformance-yumeChanAdbOnEveryProfile.test.ts',
  'test/scenario/suiteStepsThroughTheWebdriverSession.test.ts',
  'test/report/diffsAndMergesRuns.test.ts',
  'test/capture/clusterSidecarRecordsEveryFlow.test.ts',
  'test/sim/adbd-installsLogsAndScreenshots.test.ts',
  'test/detect/chromiumTrafficHasNoFalseFindings.test.ts',
];

const root = path.join(__dirname, '..');
const all = fs
  .readdirSync(path.join(root, 'test'), { recursive: true })
  .map((f) => path.posix.join('test', String(f).split(path.sep).join('/')))
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const first = SLOWEST_FIRST.filter((f) => all.includes(f));

module.exports = {
  ...base,
  parallel: true,
  jobs: 2,
  spec: [...first, ...all.filter((f) => !first.includes(f))],
};
