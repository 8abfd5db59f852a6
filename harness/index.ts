// `import … from 'phonehome'`: what a suite author writes against. Each layer's own API is its
// subpath (phonehome/capture, /detect, /device, /drive, /scenario, /report; /mocha, /wdio).
export { defineSuite, expect, verdictAssertions, uniqueSearchTerm, uniqueUrl } from './scenario/index.js';
export type { SuiteDefinition, SuiteMeta, ScenarioContext, ScenarioPhone, ScenarioBrowser, ScenarioVisit, ScenarioIdentifier, OpenBrowserOptions, ScenarioSystemUi, ScenarioScreen } from './scenario/index.js';
export type { Verdict, Visit, Finding } from './detect/index.js';
export type { BlindSpot } from './capture/index.js';
export { PhonehomeError } from './errors.js';
export { packageInfo } from './packageInfo.js';
