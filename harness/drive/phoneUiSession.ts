import type { remote } from 'webdriverio';
import type { DeviceSession } from '../device/index.js';
import { PhonehomeError } from '../errors.js';
import { endpointOptions, uiautomator2Capabilities } from './appiumCapabilities.js';

export type UiDriver = Awaited<ReturnType<typeof remote>>;

let webdriverio: Promise<typeof import('webdriverio')> | undefined;

/**
 * webdriverio, loaded once. Not at start-up (a large module tree a run needs only once Appium is up):
 * the driver starts loading it while the phone is provisioned and Appium boots (prepare()), so the
 * first session does not wait for it.
 */
export function loadWebdriverio(): Promise<typeof import('webdriverio')> {
  webdriverio ??= import('webdriverio');
  return webdriverio;
}

export interface PhoneUiSessionOptions {
  phone: DeviceSession;
  /** Appium server or Selenium Grid URL. */
  appiumUrl: string;
  /** UiAutomator2 systemPort: unique per phone. */
  systemPort: number;
}

/**
 * One Appium UiAutomator2 session on a phone, shared by the BrowserSessions of every browser on it.
 * A phone runs one UiAutomator2 server and a new session restarts it (start the instrumentation,
 * wait for it online, then end it again: 2–3 s each time on the simulated phone, more on a real
 * one), so the run keeps one session per phone and switches browsers inside it. The session is
 * opened without an app (`appium:appPackage` absent: the driver then starts none and drives what is
 * on screen, as `phonehome inspect` does); each browser is brought up by `am start`
 * (BrowserSession.launch()), which is what the session's app capability would have done.
 */
export class PhoneUiSession {
  readonly #options: PhoneUiSessionOptions;
  #driver: Promise<UiDriver> | undefined;
  #opened: UiDriver | undefined;

  constructor(options: PhoneUiSessionOptions) {
    this.#options = options;
  }

  get phone(): DeviceSession {
    return this.#options.phone;
  }

  get appiumUrl(): string {
    return this.#options.appiumUrl;
  }

  get systemPort(): number {
    return this.#options.systemPort;
  }

  /** Whether the session is open (and close() has not ended it). */
  get open(): boolean {
    return this.#opened !== undefined;
  }

  /**
   * The session, opened on the first call (later calls share it). A failed open stays failed: the
   * owner drops this PhoneUiSession and makes a new one, so an early open() started ahead of need
   * (to overlap other work) never turns into two attempts.
   */
  driver(): Promise<UiDriver> {
    if (!this.#driver) {
      this.#driver = this.#start().then((driver) => (this.#opened = driver));
      this.#driver.catch(() => undefined); // reported by whoever awaits it, not as an unhandled rejection
    }
    return this.#driver;
  }

  /** Ends the Appium session (the apps stay as they are). Safe to call twice. */
  async close(): Promise<void> {
    const pending = this.#driver;
    this.#driver = undefined;
    this.#opened = undefined;
    const driver = await pending?.catch(() => undefined);
    await driver?.deleteSession().catch(() => undefined);
  }

  async #start(): Promise<UiDriver> {
    const { phone, appiumUrl, systemPort } = this.#options;
    const capabilities = await uiautomator2Capabilities({ entry: phone.entry, adb: phone.adb, systemPort });
    const { remote } = await loadWebdriverio();
    try {
      return await remote({
        ...endpointOptions(appiumUrl),
        capabilities: capabilities as WebdriverIO.Capabilities,
        logLevel: 'silent',
        connectionRetryCount: 0,
        connectionRetryTimeout: 180_000,
      });
    } catch (error) {
      await phone.checkAlive();
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw new PhonehomeError(`${phone.name}: Appium could not start a session at ${appiumUrl}: ${first}`, { cause: error });
    }
  }
}
