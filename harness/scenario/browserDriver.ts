import { MarkerWriter } from '../capture/index.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { appiumFor, browserProfile, BrowserSession, confirmCertInstaller, loadWebdriverio, PhoneUiSession, SystemPortPool, SystemUiDriver, type AppiumEndpoint, type RecordingLimits } from '../drive/index.js';
import type { BrowserMode } from '../detect/index.js';
import { clearAppData } from '../device/index.js';
import { PhonehomeError, UsageError } from '../errors.js';
import type { OpenBrowserOptions } from './api.js';
import { PageRequestLog } from './pageRequestLog.js';
import type { BrowserDriver, DrivenBrowser, RiggedPhone } from './riggedPhone.js';
import { waitPolicyFrom, type WaitPolicy } from './evidenceWait.js';

export interface DriverSetup {
  /** Port of the run's private adb server (an Appium the harness starts uses it). */
  adbPort: number;
  log: (line: string) => void;
  /** Told of every process the driver starts (an Appium server), so the run's ledger can end it after a kill. */
  onProcess?: (pid: number, role: string) => void;
  /** Added to the environment of every process the driver starts (the run's marker). */
  env?: Readonly<Record<string, string>>;
  /** How suites' waitForTelemetry() waits; default from PHONEHOME_WAITS, else 'evidence'. */
  waits?: WaitPolicy;
  /**
   * Screen recording of every visit (drive/screenRecorder.ts): on by default with its default bounds;
   * false (`phonehome run --no-recording`, or PHONEHOME_RECORDING=off) turns it off.
   */
  recording?: boolean | Partial<RecordingLimits>;
}

/** `PHONEHOME_RECORDING=on|off` (the stock mocha CLI has no --no-recording); anything else is a one-line error. */
export function recordingFrom(value: string | undefined, where = 'PHONEHOME_RECORDING'): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${where} must be 'on' or 'off', got '${value}'`);
}

/**
 * The driver over harness/drive: one Appium endpoint per phone (devices.json appiumUrl, or a server
 * the harness starts, on first use) and one Appium session per phone (PhoneUiSession: a phone has
 * one UiAutomator2 server), shared by the phone's browsers. A BrowserSession per phone and browser
 * is kept while the run's tests stay on that browser: a later openBrowser() brings the app back and
 * switches the mode inside it (a test's close() leaves it open); another browser gets its own
 * BrowserSession in the same Appium session. Each browser's data is cleared the first time a run
 * opens it (`pm clear`): every run starts from a fresh install, as the published method does.
 * stop() ends the sessions and the servers it started.
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

/** `pm clear` (a fresh install: data and first-run state gone) or `am force-stop` (closed, data kept). */
async function resetApp(phone: RiggedPhone, pkg: string, how: 'clear' | 'stop'): Promise<void> {
  // The user on screen (MIUI Second space is user 10; a bare `pm clear` or `am force-stop` means user 0).
  const user = phone.session.currentUser;
  if (how === 'clear') {
    await phone.session.call(() => clearAppData(phone.session.adb, pkg, user))
      .catch((error: Error) => { throw new PhonehomeError(`${phone.entry.name}: ${error.message}; the browser cannot start from a fresh install`, { cause: error }); });
    return;
  }
  const command = `am force-stop --user ${user} ${pkg}`;
  const out = await phone.session.call(() => phone.session.adb.shell(command));
  if (/Error|Exception/.test(out)) throw new PhonehomeError(`${phone.entry.name}: '${command}' failed (${out.trim().split('\n')[0]})`);
}

export async function createBrowserDriver(phones: RiggedPhone[], setup: DriverSetup): Promise<BrowserDriver & { stop(): Promise<void> }> {
  const endpoints = new Map<string, Promise<AppiumEndpoint>>();
  const ports = new SystemPortPool();
  /** The live browser session of each phone (by name), and its browser. */
  const sessions = new Map<string, { browser: string; session: BrowserSession }>();
  /** Each phone's Appium session, shared by its browsers. */
  const uis = new Map<string, PhoneUiSession>();
  const cleared = new Set<string>();
  const waits = setup.waits ?? waitPolicyFrom(process.env.PHONEHOME_WAITS);
  const recordingSetting = setup.recording ?? recordingFrom(process.env.PHONEHOME_RECORDING);
  const recording: Partial<RecordingLimits> | false = recordingSetting === true ? {} : recordingSetting;
  /** Appium servers being stopped (a phone's own server stops as soon as the phone is released). */
  const stopping: Array<Promise<void>> = [];
  const stopEndpoint = (name: string) => {
    const pending = endpoints.get(name);
    if (!pending) return;
    endpoints.delete(name);
    stopping.push(pending.then((endpoint) => endpoint.stop(), () => undefined).catch((error: Error) => setup.log(`warning: Appium did not stop: ${error.message}`)));
  };
  const stop = async () => {
    for (const { session } of sessions.values()) await session.close().catch(() => undefined);
    sessions.clear();
    for (const ui of uis.values()) await ui.close();
    uis.clear();
    for (const log of witnesses.values()) log.stop();
    witnesses.clear();
    for (const name of [...endpoints.keys()]) stopEndpoint(name);
    await Promise.all(stopping.splice(0));
  };
  // Appium starts on a phone's first openBrowser() (a suite that never opens a browser needs none),
  // or earlier through prepare(), while the phone is provisioned.
  const endpointFor = (phone: RiggedPhone): Promise<AppiumEndpoint> => {
    let endpoint = endpoints.get(phone.entry.name);
    if (!endpoint) {
      endpoint = (async () => {
        await mkdir(phone.captureDir, { recursive: true });
        const started = await appiumFor(phone.entry, { adbPort: setup.adbPort, logFile: path.join(phone.captureDir, 'appium.log'), onSpawn: (pid) => setup.onProcess?.(pid, `appium ${phone.entry.name}`), ...(setup.env ? { env: setup.env } : {}) });
        setup.log(`[${phone.entry.name}] Appium at ${started.url}${started.owned ? ' (started by phonehome)' : ''}`);
        return started;
      })();
      // A failure is reported by the openBrowser() that needs the server, not as an unhandled rejection.
      endpoint.catch(() => undefined);
      endpoints.set(phone.entry.name, endpoint);
    }
    return endpoint;
  };
  const witnesses = new Map<string, PageRequestLog>();
  const witnessFor = (phone: RiggedPhone): PageRequestLog => {
    let log = witnesses.get(phone.entry.name);
    if (!log) {
      log = new PageRequestLog(phone.sidecar);
      witnesses.set(phone.entry.name, log);
    }
    return log;
  };
  const forget = async (name: string, session: BrowserSession) => {
    if (sessions.get(name)?.session === session) sessions.delete(name);
    await session.close().catch(() => undefined);
  };  /** Ends the phone's Appium session: after a failure (the session may be what failed), or when the phone is put back. */
  const endUi = async (name: string) => {
    const ui = uis.get(name);
    uis.delete(name);
    await ui?.close();
  };
  const uiFor = async (phone: RiggedPhone): Promise<PhoneUiSession> => {
    const name = phone.entry.name;
    let ui = uis.get(name);
    if (!ui) {
      const endpoint = await endpointFor(phone);
      ui = uis.get(name) ?? new PhoneUiSession({ phone: phone.session, appiumUrl: endpoint.url, systemPort: await ports.portFor(phone.entry) });
      uis.set(name, ui);
    }
    // The Appium session opens while the browser is cleared and looked up (BrowserSession.start awaits it).
    void ui.driver();
    return ui;
  };


  return {
    waits,
    stop,
    prepare(phone: RiggedPhone): void {
      void endpointFor(phone);
      // WebdriverIO loads while Appium boots and the phone is provisioned (a failure is the first session's).
      loadWebdriverio().catch(() => undefined);
    },
    async confirmCertInstaller(phone: RiggedPhone, request: { name: string }): Promise<void> {
      // The phone's own Appium (started by prepare() while it is provisioned); no browser session
      // is open yet, so the UiAutomator2 server is free for this one.
      const endpoint = await endpointFor(phone);
      await confirmCertInstaller({
        appiumUrl: endpoint.url,
        entry: phone.entry,
        adb: phone.session.adb,
        systemPort: await ports.portFor(phone.entry),
        name: request.name,
        evidenceDir: path.join(phone.captureDir, 'failures'),
      });
    },
    async systemUi(phone: RiggedPhone): Promise<SystemUiDriver> {
      if (!phones.includes(phone)) throw new PhonehomeError(`phone ${phone.entry.name} is not part of this run`);
      // The phone's one Appium session, shared with its browsers (a phone runs one UiAutomator2 server).
      const ui = await uiFor(phone);
      try {
        return new SystemUiDriver({ phone: phone.session, driver: await ui.driver(), evidenceDir: path.join(phone.captureDir, 'failures') });
      } catch (error) {
        await endUi(phone.entry.name);
        throw error;
      }
    },
    async release(phone: RiggedPhone): Promise<void> {
      const live = sessions.get(phone.entry.name);
      if (live) await forget(phone.entry.name, live.session);
      await endUi(phone.entry.name);
      // Its Appium server (one per phone) is done too: it stops while the phone is put back; stop() waits for it.
      stopEndpoint(phone.entry.name);
    },
    async open(phone: RiggedPhone, browser: string, mode: BrowserMode, options: OpenBrowserOptions): Promise<DrivenBrowser> {
      if (!phones.includes(phone)) throw new PhonehomeError(`phone ${phone.entry.name} is not part of this run`);
      const key = `${phone.entry.name}/${browser}`;
      const live = sessions.get(phone.entry.name);
      let session = live?.browser === browser ? live.session : undefined;
      try {
        const pkg = phone.appPackage(browser);
        if (session?.started) {
          if (pkg && (options.fresh || options.restart)) {
            await resetApp(phone, pkg, options.fresh ? 'clear' : 'stop');
            cleared.add(key);
            await session.relaunch();
          }
          await session.switchMode(mode);
        } else {
          // Another browser's session on this phone lets go (its Appium session stays, shared).
          if (live) await forget(phone.entry.name, live.session);
          const ui = await uiFor(phone);
          if (pkg && (options.fresh || !cleared.has(key))) {
            cleared.add(key);
            await resetApp(phone, pkg, 'clear');
          } else if (pkg && options.restart) await resetApp(phone, pkg, 'stop');
          session = new BrowserSession({
            phone: phone.session,
            profile: browserProfile(browser),
            mode,
            appiumUrl: ui.appiumUrl,
            systemPort: ui.systemPort,
            captureDir: phone.captureDir,
            markers: new MarkerWriter(phone.captureDir),
            log: setup.log,
            capture: witnessFor(phone),
            ui,
            recording,
          });
          sessions.set(phone.entry.name, { browser, session });
          await session.start();
          // The CA as this browser sees it, inside its own mount namespace (Magisk, Android 14):
          // a mismatch is a provisioning failure naming the step, not a run of blind visits.
          await phone.session.verifyCaInApp(session.package);
        }
        if (options.incognitoDataSwitch) await setSwitch(session, options.incognitoDataSwitch, `${phone.entry.name} ${browser}`, setup.log);
      } catch (error) {
        // A session that failed half-way is not reused, nor is the phone's Appium session (it may
        // be what failed): the next openBrowser() starts new ones.
        if (session) await forget(phone.entry.name, session);
        await endUi(phone.entry.name);
        throw error;
      }
      const driven = session;
      return {
        get version() {
          return driven.version;
        },
        get driver() {
          return driven.webdriver;
        },
        visit: (url, tokens) => driven.visit(url, { tokens }),
        search: (term) => driven.search(term),
        visitTyped: (address, tokens, keystrokeMinLength) => driven.visitTyped(address, { tokens, keystrokeMinLength }),
        newsFeed: () => driven.newsFeed(),
        share: () => driven.share(),
        download: (url, tokens) => driven.download(url, { tokens }),
        // The session stays for the run's next test of this browser; stop() ends it.
        close: async () => undefined,
      };
    },
  };
}
