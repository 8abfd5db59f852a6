import { MarkerWriter } from '../capture/index.js';
import { appiumFor, browserProfile, BrowserSession, SystemPortPool, type AppiumEndpoint } from '../drive/index.js';
import type { BrowserMode } from '../detect/index.js';
import { PhonehomeError } from '../errors.js';
import type { OpenBrowserOptions } from './api.js';
import type { PhoneRig } from './phoneRig.js';
import type { BrowserDriver, DrivenBrowser } from './scenarioPhone.js';

export interface DriverSetup {
  /** Port of the run's private adb server (an Appium the harness starts uses it). */
  adbPort: number;
  log: (line: string) => void;
}

/**
 * The driver over harness/drive: one Appium endpoint per phone (devices.json appiumUrl, or a server
 * the harness starts, on first use), one WebdriverIO BrowserSession per openBrowser(). Each browser's data is
 * cleared the first time a run opens it (`pm clear`): every run starts from a fresh install, as the
 * published method does. stop() ends the sessions and the servers it started.
 */
/**
 * An app version without the switch (before Mi Browser 12.1.4 / Mint 3.4.3) has nothing to turn off:
 * that is noted and the run goes on, so the suite's assertions (not the harness) say whether the
 * version leaks. Anything else that goes wrong is an error.
 */
async function setSwitch(session: BrowserSession, state: 'on' | 'off', label: string, log: (line: string) => void): Promise<void> {
  try {
    await session.setIncognitoDataSwitch(state);
  } catch (error) {
    if (state === 'off' && /has no incognito-data switch/.test((error as Error).message)) {
      log(`note: ${label} ${session.version ?? ''} has no incognito-data switch; nothing to turn off`);
      return;
    }
    throw error;
  }
}

export async function createBrowserDriver(rigs: PhoneRig[], setup: DriverSetup): Promise<BrowserDriver & { stop(): Promise<void> }> {
  const endpoints = new Map<string, AppiumEndpoint>();
  const ports = new SystemPortPool();
  const open = new Set<BrowserSession>();
  const cleared = new Set<string>();
  const stop = async () => {
    for (const session of open) await session.close().catch(() => undefined);
    open.clear();
    for (const endpoint of endpoints.values()) await endpoint.stop().catch((error: Error) => setup.log(`warning: Appium did not stop: ${error.message}`));
    endpoints.clear();
  };
  // Appium starts on a phone's first openBrowser(): a suite that never opens a browser needs none.
  const endpointFor = async (rig: PhoneRig): Promise<AppiumEndpoint> => {
    let endpoint = endpoints.get(rig.name);
    if (!endpoint) {
      endpoint = await appiumFor(rig.entry, { adbPort: setup.adbPort, logFile: `${rig.captureDir}/appium.log` });
      endpoints.set(rig.name, endpoint);
      setup.log(`[${rig.name}] Appium at ${endpoint.url}${endpoint.owned ? ' (started by phonehome)' : ''}`);
    }
    return endpoint;
  };

  return {
    stop,
    async open(rig: PhoneRig, browser: string, mode: BrowserMode, options: OpenBrowserOptions): Promise<DrivenBrowser> {
      if (!rigs.includes(rig)) throw new PhonehomeError(`phone ${rig.name} is not part of this run`);
      const endpoint = await endpointFor(rig);
      const pkg = rig.appPackage(browser);
      const key = `${rig.name}/${browser}`;
      if (pkg && !cleared.has(key)) {
        cleared.add(key);
        const out = await rig.session.call(() => rig.session.adb.shell(`pm clear ${pkg}`));
        if (!/Success/.test(out)) throw new PhonehomeError(`${rig.name}: 'pm clear ${pkg}' failed (${out.trim().split('\n')[0] || 'no output'}); the browser cannot start from a fresh install`);
      }
      const session = new BrowserSession({
        phone: rig.session,
        profile: browserProfile(browser),
        mode,
        appiumUrl: endpoint.url,
        systemPort: await ports.portFor(rig.entry),
        captureDir: rig.captureDir,
        markers: new MarkerWriter(rig.captureDir),
        log: setup.log,
      });
      open.add(session);
      try {
        await session.start();
        if (options.incognitoDataSwitch) await setSwitch(session, options.incognitoDataSwitch, `${rig.name} ${browser}`, setup.log);
      } catch (error) {
        open.delete(session);
        await session.close().catch(() => undefined);
        throw error;
      }
      return {
        get version() {
          return session.version;
        },
        get driver() {
          return session.webdriver;
        },
        visit: (url, tokens) => session.visit(url, { tokens }),
        search: (term) => session.search(term),
        close: async () => {
          open.delete(session);
          await session.close();
        },
      };
    },
  };
}
