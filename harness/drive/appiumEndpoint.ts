import type { DeviceEntry } from '../config/index.js';
import { freePort } from '../device/index.js';
import { AppiumServer } from './appiumServer.js';

/** Where WebdriverIO sessions for a phone go, and how to let go of it. */
export interface AppiumEndpoint {
  url: string;
  /** True when the harness started this server (and stop() ends it). */
  owned: boolean;
  stop(): Promise<void>;
}

/**
 * The Appium / Selenium Grid URL of a devices.json entry, or an Appium server the harness starts
 * on a free local port (appium and the UiAutomator2 driver are project dependencies).
 */
export async function appiumFor(entry: DeviceEntry, options: { adbPort: number; logFile?: string; onSpawn?: (pid: number) => void; env?: Readonly<Record<string, string>> }): Promise<AppiumEndpoint> {
  if (entry.appiumUrl) return { url: entry.appiumUrl, owned: false, stop: async () => undefined };
  const server = new AppiumServer({ host: '127.0.0.1', port: 0, adbPort: options.adbPort, logFile: options.logFile, ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}), ...(options.env ? { env: options.env } : {}) });
  await server.start();
  return { url: server.url, owned: true, stop: () => server.stop() };
}

/** UiAutomator2 systemPorts, unique per phone within one harness process. */
export class SystemPortPool {
  private readonly byPhone = new Map<string, number>();
  private readonly taken = new Set<number>();

  async portFor(entry: DeviceEntry): Promise<number> {
    const known = this.byPhone.get(entry.name);
    if (known !== undefined) return known;
    let port = entry.systemPort;
    if (port === undefined) {
      do port = await freePort(); while (this.taken.has(port));
    }
    this.byPhone.set(entry.name, port);
    this.taken.add(port);
    return port;
  }
}
