/** The simulated apps' telemetry engine: profile rules -> rendered, batched, encoded, placed, sent. */
export { TelemetryEngine, endpointTrustsUserCAs, sensitiveInput, type TelemetryAppState, type TelemetryEngineEvents, type TelemetryEngineOptions, type TelemetryEvent } from './telemetryEngine.js';
export { applyEncodeChain, checkEncodeChain, formEncode, formEscape, javaStringHash, type Payload } from './encodeChain.js';
export { placePayload, defaultMethod, PlacementError, type TelemetryRequest } from './placement.js';
export { renderTemplates, renderString, placeholdersIn, type TemplateVars, type TemplateValue } from './templates.js';
export { checkTelemetryRules, knownPlaceholders, type RuleProblem } from './ruleCheck.js';
export { BatchQueue } from './batchQueue.js';
