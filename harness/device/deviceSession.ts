import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isConnectAddress } from '../config/index.js';
import type { Canary } from '../visit.js';
import { PhonehomeError } from '../errors.js';
import type { AdbClient } from './adbClient.js';
import { DeviceLostError, type AdbDevice } from './adbDevice.js';
import { appSpecs, type AppResolver, type InstalledApp } from './appInstall.js';
import { readAppVersions, readHealth, type AppVersion, type DeviceHealth } from './health.js';
import { resolveHostsOnPhone } from './hostAddresses.js';
import { formOf } from './rootAccess.js';
import { identifierCanaries, readIdentifiers } from './identifiers.js';
import { LogcatRecorder } from './logcatRecorder.js';
import { PhoneLauncher } from './phoneLauncher.js';
import { provisionPhone, type ProvisionOptions, type Provisioning, type UndoResult } from './provision/provisioner.js';
import type { DeviceEntry } from '../config/index.js';
import type { Identifiers } from './types.js';
import { delay } from './withTimeout.js';

export interface DeviceSessionOptions {
  entry: DeviceEntry;
  adb: AdbClient;
  /** Folder of the devices.json the entry came from (launch.cwd is relative to it). */
  baseDir?: string;
  /** How long start() waits for the phone (default: launch.readyTimeoutMs, else 30 s). */
  readyTimeoutMs?: number;
  /** Follow logcat while the session lasts (default true). */
  logcat?: boolean;
  log?: (line: string) => void;
  /** Where a launched phone's output goes (a file in the run folder); in memory when absent. */
  launchLog?: string;
  /** Called with a launched phone's PID as soon as it runs (the run's process ledger records it). */
  onLaunch?: (pid: number) => void;
  /** Added to a launched phone's environment (a run's marker: the sweep finds the phone's children by it). */
  launchEnv?: Readonly<Record<string, string>>;
}

export interface DeviceSessionEvents {
  warning: [message: string];
  /** The phone stopped answering; everything on it fails from now on. */
  lost: [error: Error];
}

/**
 * One phone for the length of a run: started (launch command, `adb connect`), checked, read
 * (properties, identifiers), provisioned, and put back as found by stop() — always.
 */
export class DeviceSession extends EventEmitter<DeviceSessionEvents> {
  readonly entry: DeviceEntry;
  readonly adb: AdbDevice;
  private readonly client: AdbClient;
  private readonly options: DeviceSessionOptions;
  private launcher: PhoneLauncher | undefined;
  private connected = false;
  private props: Record<string, string> | undefined;
  private ids: Identifiers | undefined;
  private logcatRecorder: LogcatRecorder | undefined;
  private provisionings: Provisioning[] = [];
  private lostError: Error | undefined;

  constructor(options: DeviceSessionOptions) {
    super();
    this.options = options;
    this.entry = options.entry;
    this.client = options.adb;
    this.adb = options.adb.device(options.entry.serial, options.entry.adbTimeoutMs);
  }

  get name(): string {
    return this.entry.name;
  }

  get serial(): string {
    return this.entry.serial;
  }

  /** Set once the phone was lost; the error every later call fails with. */
  get lost(): Error | undefined {
    return this.lostError;
  }

  async start(): Promise<void> {
    const { entry } = this;
    if (entry.launch) {
      const launch = { ...entry.launch, env: { ...entry.launch.env, ...this.options.launchEnv } };
      const launcher = new PhoneLauncher({ ...entry, launch }, this.options.baseDir ?? process.cwd(), this.options.launchLog);
      this.launcher = launcher;
      await launcher.start();
      if (launcher.pid !== undefined) this.options.onLaunch?.(launcher.pid);
    }
    try {
      await this.waitUntilReady(this.options.readyTimeoutMs ?? entry.launch?.readyTimeoutMs ?? 30_000);
      if (this.options.logcat ?? true) {
        this.logcatRecorder = new LogcatRecorder(this.adb);
        await this.logcatRecorder.start().catch((error: Error) => this.warn(`${this.name}: logcat not available (${error.message}); visits will have no log`));
      }
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Undoes provisioning, stops logcat, disconnects what start() connected, stops what it launched. */
  async stop(): Promise<UndoResult> {
    const problems: string[] = [];
    for (const provisioning of this.provisionings.splice(0).reverse()) {
      const result = await provisioning.undo();
      problems.push(...result.problems);
    }
    this.logcatRecorder?.stop();
    this.logcatRecorder = undefined;
    if (this.connected) {
      await this.client.disconnect(this.serial);
      this.connected = false;
    }
    await this.launcher?.stop();
    this.launcher = undefined;
    return { ok: problems.length === 0, problems };
  }

  async properties(): Promise<Record<string, string>> {
    this.props ??= await this.call(() => this.adb.getProperties());
    return this.props;
  }

  async health(packages: string[] = []): Promise<DeviceHealth> {
    return this.call(async () => readHealth(this.adb, { packages, props: await this.properties(), ...(this.provisionings.length > 0 ? { user: this.currentUser } : {}) }));
  }

  /** Installed versions of these packages (what a run records of a phone; health() reads much more). */
  async appVersions(packages: string[]): Promise<AppVersion[]> {
    // For the user on screen once provisioning read it (MIUI Second space is user 10).
    return this.call(() => readAppVersions(this.adb, packages, this.provisionings.length > 0 ? this.currentUser : undefined));
  }

  /** Identifiers read once per session (they are the canaries of every visit's findings). */
  /** Read once per session; `packages` are the browsers whose own ANDROID_IDs are wanted (Android 8+, root). */
  async identifiers(packages: string[] = []): Promise<Identifiers> {
    // Root as provisioning ended up using it (after `adb root`), else detected when reading.
    const ca = this.provisionings.at(-1)?.record.ca;
    const root = ca && ca.rootMethod !== 'none' ? { method: ca.rootMethod, form: formOf(ca.rootMethod, ca.rootForm), detail: 'as provisioned' } : undefined;
    this.ids ??= await this.call(async () => readIdentifiers(this.adb, await this.properties(), { packages, root, user: this.provisionings.at(-1)?.user }));
    return this.ids;
  }

  async identifierCanaries(): Promise<Canary[]> {
    return identifierCanaries(await this.identifiers(), this.name);
  }

  /**
   * Points the phone at the capture sidecar and trusts its CA; stop() undoes it. The entry's `apps`
   * are installed first, each checked against what `resolveApp` says of its browser profile.
   */
  async provision(options: Omit<ProvisionOptions, 'waitForPhone' | 'proxyHost'> & { proxyHost?: string; resolveApp?: AppResolver }): Promise<Provisioning> {
    const { resolveApp, ...rest } = options;
    let apps = rest.apps;
    if (apps === undefined && this.entry.apps && Object.keys(this.entry.apps).length > 0) {
      if (!resolveApp) throw new PhonehomeError(`${this.name}: devices.json 'apps' needs the browser profiles to check the installed versions, and this caller gave none`);
      apps = appSpecs(this.entry.apps, this.options.baseDir ?? process.cwd(), resolveApp, this.name);
    }
    const provisioning = await this.call(() => provisionPhone(this.adb, {
      ...rest,
      apps,
      name: rest.name ?? this.name,
      proxyHost: options.proxyHost ?? this.entry.proxyHost,
      waitForPhone: () => this.waitForState(10_000),
      log: options.log ?? this.options.log,
    }));
    this.provisionings.push(provisioning);
    provisioning.on('warning', (message) => this.warn(message));
    provisioning.on('reverse-lost', (error) => this.markLost(new DeviceLostError(this.serial, `${this.name}: the adb reverse to the capture could not be restored (${error.message}); the phone is gone`, error)));
    for (const warning of provisioning.warnings) this.warn(warning);
    return provisioning;
  }

  /** The APKs provisioning installed from devices.json `apps` (sha256 and versionName of each). */
  get installedApps(): InstalledApp[] {
    return this.provisionings.flatMap((p) => p.installedApps);
  }

  /**
   * The Android user whose apps are on screen, as provisioning found it (MIUI Second space is
   * user 10): `pm clear`, `am start` and app lookups name it. 0 before provisioning.
   */
  get currentUser(): number {
    return this.provisionings.at(-1)?.user ?? 0;
  }

  /**
   * After a browser started: the CA is there inside its own mount namespace (root only; see
   * Provisioning.verifyCaInApp). A mismatch throws the provisioning failure naming the step.
   */
  async verifyCaInApp(pkg: string): Promise<void> {
    const provisioning = this.provisionings.at(-1);
    if (!provisioning) return;
    const checked = await this.call(() => provisioning.verifyCaInApp(pkg));
    if (checked) this.options.log?.(`${this.name}: the CA is in ${pkg}'s own mount namespace (pid ${checked.pid}, ${checked.path})`);
  }

  /** What the phone's own resolver answers for these hosts (hostAddresses.ts); hosts that do not resolve are left out. */
  async resolveHosts(hosts: Iterable<string>): Promise<Map<string, string>> {
    return this.call(() => resolveHostsOnPhone(this.adb, hosts));
  }

  async screenshot(): Promise<Buffer> {
    return this.call(() => this.adb.screencap());
  }

  /** Logcat lines received in [t0, t1]. */
  logcatWindow(t0: number, t1: number): string {
    return this.logcatRecorder?.window(t0, t1) ?? '';
  }

  /** Saves `<base>.png` and `<base>.logcat.txt` for a visit window; a failing screenshot is a warning. */
  async saveVisitEvidence(base: string, t0: number, t1: number): Promise<{ screenshot?: string; logcat: string; png?: Buffer }> {
    await mkdir(path.dirname(base), { recursive: true });
    const logcat = `${base}.logcat.txt`;
    await writeFile(logcat, this.logcatWindow(t0, t1));
    try {
      const png = await this.screenshot();
      await writeFile(`${base}.png`, png);
      // The PNG itself too: the visit's screen recording ends on it (no second screencap).
      return { screenshot: `${base}.png`, logcat, png };
    } catch (error) {
      this.warn(`${this.name}: no screenshot for ${path.basename(base)} (${(error as Error).message})`);
      return { logcat };
    }
  }

  /** Throws the loss error when the phone is gone (checked with adb, bounded). */
  async checkAlive(): Promise<void> {
    if (this.lostError) throw this.lostError;
    const state = await this.client.state(this.serial).catch(() => 'absent' as const);
    if (state !== 'device') this.markLost(new DeviceLostError(this.serial, `${this.name} (${this.serial}) is ${state === 'absent' ? 'no longer connected' : state}`));
    if (this.lostError) throw this.lostError;
  }

  /** Runs an adb call; a DeviceLostError marks the whole session lost. */
  async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.lostError) throw this.lostError;
    try {
      return await work();
    } catch (error) {
      if (error instanceof DeviceLostError) this.markLost(error);
      throw error;
    }
  }

  private markLost(error: Error): void {
    if (this.lostError) return;
    this.lostError = error;
    this.logcatRecorder?.stop();
    this.emit('lost', error);
  }

  private warn(message: string): void {
    this.options.log?.(`warning: ${message}`);
    this.emit('warning', message);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const connect = isConnectAddress(this.serial);
    let lastProblem = 'not listed by adb';
    while (Date.now() < deadline) {
      if (this.launcher && !this.launcher.running) {
        throw new PhonehomeError(`device '${this.name}': its launch command ${this.launcher.exitReason} before the phone came up (${this.launcher.tail() || 'no output'})`);
      }
      const state = await this.client.state(this.serial);
      if (state === 'device' || state === 'emulator') {
        const booted = (await this.adb.getprop('sys.boot_completed').catch(() => '')) === '1';
        if (booted) return;
        lastProblem = 'still booting (sys.boot_completed is not 1)';
      } else if (state === 'unauthorized') {
        lastProblem = 'unauthorized: accept the "Allow USB debugging" prompt on the phone';
      } else if (connect && (state === 'absent' || state === 'offline')) {
        try {
          await this.client.connect(this.serial);
          this.connected = true;
        } catch (error) {
          lastProblem = (error as Error).message;
        }
      } else {
        lastProblem = state === 'absent' ? 'not listed by adb (is it plugged in, with USB debugging on?)' : state;
      }
      // Short: a launched phone is usually up within a few polls, and each costs one adb request.
      await delay(100);
    }
    throw new PhonehomeError(`device '${this.name}' (${this.serial}) not ready after ${timeoutMs} ms: ${lastProblem}`);
  }

  private async waitForState(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = await this.client.state(this.serial);
      if (state === 'device') return;
      if (isConnectAddress(this.serial) && state === 'absent') await this.client.connect(this.serial).catch(() => undefined);
      await delay(200);
    }
    throw new DeviceLostError(this.serial, `${this.name} did not come back within ${timeoutMs} ms`);
  }
}
