// Driving phones: browser profiles, WebdriverIO browser sessions, Appium endpoints, inspect.
export { BrowserSession, sameUrl, carriesTerms, showsUrl, isInlineCompletion, type BrowserSessionOptions, type CaptureWitness, type VisitOptions, type MarkerSink, type VisitMarker } from './browserSession.js';
export { parseResolvedActivity, resolveLauncherActivity, launchCommand } from './launcherActivity.js';
export { ActionFailedError, failWithEvidence } from './actionEvidence.js';
export { confirmCertInstaller, type CertInstallerOptions } from './certInstallerDialog.js';
export { PhoneUiSession, loadWebdriverio, type PhoneUiSessionOptions, type UiDriver } from './phoneUiSession.js';
export { appiumFor, SystemPortPool, type AppiumEndpoint } from './appiumEndpoint.js';
export { uiautomator2Capabilities, endpointOptions } from './appiumCapabilities.js';
export { ElementFinder, toSelector, describeLocator } from './elementFinder.js';
export { foregroundApp } from './foregroundApp.js';
export { SystemUiDriver, type SystemUiOptions, type SystemUiShown } from './systemUi.js';
export { newVisitId } from './visitIds.js';
export { encodeApng, readApngStructure, pngToFrame, scaleRgba, changedRegion, type RgbFrame, type ApngFrameInfo } from './animatedPng.js';
export { ScreenRecorder, DEFAULT_RECORDING_LIMITS, type RecordingLimits, type Recording } from './screenRecorder.js';
export * from './browsers/index.js';
// Appium server lifecycle (appium + UiAutomator2 driver from the project's dependencies).
export { findAppiumHome, checkAppiumInstalled, APPIUM_INSTALL } from './appiumInstall.js';
export { AppiumServer, PROJECT_ROOT, type AppiumServerOptions, type AppiumServerEvents } from './appiumServer.js';
export { ensureAndroidHome, resolveAdbBinary, type AndroidHomeOptions } from './androidHome.js';
export { findErrorPage, screenTexts, CHROMIUM_PAGE_ERRORS, type ErrorPage } from './errorPage.js';
