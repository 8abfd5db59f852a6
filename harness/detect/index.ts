export * from './types.js';
export { LeakFinder, findLeaks, visitCanaries, type LeakFinderOptions, type LeakReport, type FlowScan, type BodyReader, type PatternScanner } from './leakFinder.js';
export { computeVerdicts, undecodableBlindSpots, errorPageBlindSpots, type VerdictInput } from './verdicts.js';
export { routeCoverage, routeFailures, MAX_ROUTE_GAP_MS, type RouteFailure } from './routeLiveness.js';
export { identifierVerdict, type IdentifierVerdictInput, type IdentifierVerdict } from './identifierVerdict.js';
export { analyseCapture, analyseCaptureFolder, type AnalysisOptions, type CaptureInput, type CaptureAnalysis } from './captureAnalysis.js';
export { captureCoverage, captureUpIntervals, MAX_HEARTBEAT_GAP_MS, type Coverage } from './captureHealth.js';
export { makeVisitToken, makeSearchTerm, placeToken, newVisitCanaries, TOKEN_PARAMETER, type TokenPlacement, type VisitCanaries } from './canaryToken.js';
export {
  visitsFromMarkers,
  readVisitsFile,
  validateVisit,
  identifierCanaries,
  identifiersFromMarkers,
  readIdentifiersFile,
  deviceIdentifiersMarker,
  parseCanaryArgument,
  DEVICE_IDENTIFIERS_NOTE,
  CANARY_KINDS,
} from './canarySources.js';
export { canaryForms, CONTEXT_KINDS, type CanaryForm } from './identifierForms.js';
export { encodedVariants, type CanaryVariant } from './canaryVariants.js';
export { keystrokeCanaries, DEFAULT_KEYSTROKE_MIN_LENGTH, MIN_KEYSTROKE_PREFIX, type KeystrokeOptions } from './keystrokeCanaries.js';
export { registrableDomain, FirstPartyResolver } from './party.js';
export { DEFAULT_BOUNDS, type DecodeBounds } from './flowLayers.js';
export { findingRows, captureAnalysisText, excerptWithMatch } from './findingTable.js';
export { EXIT_INCOMPLETE, incompleteSummary } from './incompleteFlows.js';
export { readBodyPrefix } from './bodyPrefix.js';
export { MultiPatternMatcher, type PatternMatch, type MatcherTables, type MatcherOptions, type GramTables } from './patternMatcher.js';
export { LayerDecoder, type RootPart, type Layer, type LayerOptions } from './flowLayers.js';
export { DECODERS, decodeQuotedPrintable, wrappedBase64Blocks, type Decoder, type DecoderFactory, type LayerExpansion } from './decoders/index.js';
export { ScanPool, type PoolFinderOptions, type PooledScan, type PooledFinding } from './scanPool.js';
export { verifyCapture, type VerifyCaptureOptions, type VerifiedCapture } from './verifyCapture.js';
export { VERDICT_GRACE_MS } from './verdictGrace.js';
