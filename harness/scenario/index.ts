export type { ScenarioContext, ScenarioPhone, ScenarioBrowser, ScenarioVisit, ScenarioIdentifier, OpenBrowserOptions } from './api.js';
export { defineSuite, isSuiteDefinition, type SuiteDefinition, type SuiteMeta } from './defineSuite.js';
export { expect, verdictAssertions, hostMatches, stepName, isAssertionFailure, type HostPattern } from './assertions.js';
export type { Judgement, Judgeable } from './judgement.js';
export { loadSuite, listSuites, resolveSuiteFile, SCENARIOS_DIR, type LoadedSuite } from './loadSuites.js';
export { runSuitesWithMocha, type TestSink, type MochaRunOptions, type MochaRunResult } from './mochaRun.js';
export { runScenarios, type RunOptions, type RunOutcome } from './runSession.js';
export { uniqueSearchTerm, uniqueUrl } from './uniqueValues.js';
export { runCommand } from './runCommand.js';
