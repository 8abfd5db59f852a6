/**
 * The simulated phone's apps: Mi Browser, Mint Browser and Mi Browser Pro (and any service app a
 * profile defines), the launcher, their UI seam and their telemetry. The Android model creates one
 * runtime per boot with `createAppRuntime(ctx)`.
 */
import type { AppRuntimeFactory, PhoneContext } from '../services.js';
import { SimAppRuntime, type AppRuntimeOptions } from './appRuntime.js';

export function createAppRuntime(ctx: PhoneContext, options?: AppRuntimeOptions): SimAppRuntime {
  return new SimAppRuntime(ctx, options);
}
// The Android model takes it as its AppRuntimeFactory.
createAppRuntime satisfies AppRuntimeFactory;

export { SimAppRuntime, uiautomator2Instrumentation, type AppRuntimeOptions } from './appRuntime.js';
export { SimApp, type FirstRunDialog } from './browserApp.js';
export { launcherPackage, launcherActivity } from './launcherScreen.js';
export { builtinPackages, type InstalledPackage } from './packageTable.js';
export { interpretAddress, type AddressIntent } from './addressInput.js';
export { loadPage, type LoadedPage } from './pageLoader.js';
export { browserUserAgent, javaUserAgent } from './userAgents.js';
export type { InstrumentationHandle, StartInstrumentation, RenderScreen } from './peerLayers.js';
export { loadProfile, validateProfile, listProfiles } from '../profiles/index.js';
export * as telemetry from './telemetry/index.js';
