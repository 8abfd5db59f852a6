// The run: phones in parallel (a one-phone run is a farm of one), shards, Selenium Grid.
export { parseShard, selectShard, shardLabel, type Shard } from './shard.js';
export { selectDevices, matchKey } from './deviceSelection.js';
export { DevicePool, type DevicePoolOptions, type PoolPhoneSpec, type WorkItem, type AttemptResult, type PoolEvents, type PoolOutcome } from './devicePool.js';
export { SeleniumGrid, type RelayNode, type SeleniumGridOptions, type SeleniumGridEvents } from './seleniumGrid.js';
export { runSuites, type RunOptions } from './runSuites.js';
export { RunLifecycle, type LifecycleOptions, type RunOutcome, type RunIo, type CreateDriver } from './runLifecycle.js';
export { declaredTests, exactTitles } from './declaredTests.js';
