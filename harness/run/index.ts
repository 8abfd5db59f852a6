// The farm: many phones in parallel, shards, Selenium Grid, merging runs and run-to-run diffs.
export { parseShard, selectShard, shardLabel, type Shard } from './shard.js';
export { selectDevices, matchKey } from './deviceSelection.js';
export { DevicePool, type DevicePoolOptions, type PoolPhoneSpec, type WorkItem, type AttemptResult, type PoolEvents, type PoolOutcome } from './devicePool.js';
export { loadRun, destinationHosts, type LoadedRun } from '../report/runLoader.js';
export { diffRuns, diffRunFolders, formatDiff, visitSubject, encodingOf } from '../report/runDiff.js';
export { mergeRuns } from '../report/runMerge.js';
export { writeReportsWithBaseline } from '../report/baselineReport.js';
export { SeleniumGrid, type RelayNode, type SeleniumGridOptions, type SeleniumGridEvents } from './seleniumGrid.js';
export { runFarm, type FarmRunOptions, type FarmRunOutcome } from './farmRun.js';
export { declaredTests, exactTitles } from './declaredTests.js';
