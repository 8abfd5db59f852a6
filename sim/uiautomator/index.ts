/**
 * The simulated phone's UiAutomator2 server (io.appium.uiautomator2.server): started by
 * `am instrument`, served on phone port 6790, driven by the stock Appium UiAutomator2 driver.
 */
export { startUiAutomator2Instrumentation, UIAUTOMATOR2_SERVER_PORT, type InstrumentationRun } from './instrumentation.js';
export { UiAutomator2Server, type UiAutomator2ServerOptions, type UiAutomator2ServerEvents, type Session } from './uiautomator2Server.js';
export { W3cError, type W3cErrorCode } from './w3cError.js';
export { W3C_ELEMENT_KEY, type ElementReference } from './elementRegistry.js';
export { takeSnapshot, type SnapshotNode } from './uiSnapshot.js';
export { pageSource } from './pageSource.js';
export { evaluateXPath, parseXPath, XPathSyntaxError } from './xpath.js';
export { evaluateUiSelector, parseUiSelector, UiSelectorSyntaxError } from './uiSelector.js';
export { locate, STRATEGIES, type Strategy } from './locators.js';
