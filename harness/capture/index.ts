export * from './types.js';
export { readFlows, readBlindSpots, readMarkers, readBody, MarkerWriter, DEFAULT_MAX_BODY_BYTES } from './captureReader.js';
export { CaptureSidecar, type CaptureSidecarOptions, type CaptureSidecarEvents, type UpstreamMode } from './captureSidecar.js';
export { loadOrCreateCa, loadCa, phonehomeHome, CA_CERT_FILE, CA_KEY_FILE, type CertificateAuthority } from './certificateAuthority.js';
export { captureToHar, writeHar, HAR_MAX_BODY_BYTES } from './harExport.js';
export { ProxyTunnelAgent, openTunnel } from './proxyTunnelAgent.js';
export { readJsonLines, MAX_LINE_BYTES } from './jsonLines.js';
export { cutOffFlowLine } from './cutOffLine.js';
export { summarizeFlow } from './flowSummary.js';
