import type { DeviceEntry } from '../config/index.js';
import type { AdbDevice } from '../device/index.js';

export interface SessionTarget {
  entry: DeviceEntry;
  adb: AdbDevice;
  systemPort: number;
  /** App to start with the session; absent: the session drives whatever is on screen (inspect). */
  /** App to start with the session (activity as resolved on the phone; without one, Appium resolves it). */
  app?: { package: string; activity?: string };
}

/**
 * UiAutomator2 capabilities for one phone. Server installation and device initialisation are
 * skipped when the phone already has the UiAutomator2 server and Appium Settings installed (asked
 * over adb, so no APK tooling is needed then); devices.json `capabilities` override everything.
 */
export async function uiautomator2Capabilities(target: SessionTarget): Promise<Record<string, unknown>> {
  const [server, serverTest, settings] = await Promise.all([
    target.adb.isInstalled('io.appium.uiautomator2.server').catch(() => false),
    target.adb.isInstalled('io.appium.uiautomator2.server.test').catch(() => false),
    target.adb.isInstalled('io.appium.settings').catch(() => false),
  ]);
  const caps: Record<string, unknown> = {
    platformName: 'Android',
    'appium:automationName': 'UiAutomator2',
    'appium:udid': target.entry.serial,
    'appium:adbPort': target.adb.serverPort,
    'appium:systemPort': target.systemPort,
    'appium:noReset': true,
    'appium:skipServerInstallation': server && serverTest,
    'appium:skipDeviceInitialization': settings,
    'appium:skipUnlock': true,
    'appium:newCommandTimeout': 300,
    'appium:adbExecTimeout': target.entry.adbTimeoutMs ?? 20_000,
    'appium:uiautomator2ServerLaunchTimeout': 60_000,
    // UIA2 driver 8.7.0 sets hidden_api_policy on API >= 28 even with skipDeviceInitialization and aborts
    // the session when MIUI refuses it (uiautomator2-server/session.js; appium#13802): go on instead.
    'appium:ignoreHiddenApiPolicyError': true,
    // Appium sessions speak classic WebDriver; WebdriverIO 9 must not try BiDi.
    'wdio:enforceWebDriverClassic': true,
  };
  if (target.app) {
    caps['appium:appPackage'] = target.app.package;
    if (target.app.activity) caps['appium:appActivity'] = target.app.activity;
    // The launcher entry may be an alias or a splash that hands over to the browsing activity.
    caps['appium:appWaitActivity'] = '*';
  }
  return { ...caps, ...(target.entry.capabilities ?? {}) };
}

/** hostname/port/path/protocol for WebdriverIO from an Appium or Selenium Grid URL. */
export function endpointOptions(appiumUrl: string): { protocol: 'http' | 'https'; hostname: string; port: number; path: string } {
  const url = new URL(appiumUrl);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
    path: url.pathname === '' ? '/' : url.pathname,
  };
}
