import { EventEmitter } from 'node:events';
import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { installApps, type AppInstallSpec, type InstalledApp } from '../appInstall.js';
import { readCurrentUser } from '../androidUser.js';
import { runPreflight, type Preflight } from '../preflight.js';
import { detectRoot, restartAdbdAsRoot, type RootForm, type RootMethod } from '../rootAccess.js';
import { applyCa, checkCaInApp, planCa, undoCa, USER_CA_WARNING, type ConfirmUserCa } from './caStep.js';
import { deleteRecord, readRecord, writeRecord, type ProvisionRecord } from './provisionRecord.js';
import { applyChromeFlags, planChromeFlags, undoChromeFlags } from './chromeFlagsStep.js';
import { applyLogTag, planLogTag, undoLogTag } from './logTagStep.js';
import { applyProxy, planProxy, undoProxy } from './proxyStep.js';
import { ReverseKeeper } from './reverseKeeper.js';

export interface ProvisionOptions {
  /** Port of the capture sidecar on this machine. */
  proxyPort: number;
  /** The sidecar's CA certificate (PEM). */
  caCertPem: string;
  /** LAN address of this machine for phones that cannot use adb reverse (devices.json proxyHost). */
  proxyHost?: string;
  /** 'auto' (default): the system store when the phone can be rooted, else the user store. */
  caStore?: 'auto' | 'system' | 'user';
  /** How long to wait for the user to confirm the certificate installer on a phone without root. */
  userCaTimeoutMs?: number;
  /**
   * Android 10 and older without root: confirms the certificate installer's dialog (a run passes
   * one driving it through Appium); absent, a person confirms it on the phone.
   */
  confirmUserCa?: ConfirmUserCa;
  /** Interval of re-asserting the adb reverse (default 2000 ms); 0 disables the keeper. */
  reassertMs?: number;
  /** Waits until the phone answers again (after `adb root` restarts adbd). */
  waitForPhone?: () => Promise<void>;
  /** Probe the phone first and stop, changing nothing, when it refuses what a run needs (default true). */
  preflight?: boolean;
  /** devices.json name, for the fixes the preflight prints. */
  name?: string;
  /** APKs to install first (devices.json `apps`, resolved against the browser profiles). */
  apps?: AppInstallSpec[];
  log?: (line: string) => void;
}

export interface UndoResult {
  ok: boolean;
  /** One line per step that could not be undone. */
  problems: string[];
}

export interface ProvisioningEvents {
  warning: [message: string];
  /** The adb reverse could not be re-asserted: the phone is gone (sessions on it should fail). */
  'reverse-lost': [error: Error];
}

/**
 * A provisioned phone: the proxy points at the sidecar and its CA is trusted. undo() puts
 * everything back as found; it is idempotent and also runs from `phonehome provision --undo`
 * in another process, from the record kept on the phone.
 */
export class Provisioning extends EventEmitter<ProvisioningEvents> {
  readonly warnings: string[] = [];
  private keeper: ReverseKeeper | undefined;
  private undone: Promise<UndoResult> | undefined;

  /** What the preflight found (absent when it was turned off). */
  preflight: Preflight | undefined;

  /** The Android user whose apps are on screen (`am get-current-user`; MIUI Second space is 10). */
  user = 0;

  constructor(readonly device: AdbDevice, readonly record: ProvisionRecord, readonly sdk = 0) {
    super();
  }

  /** The APKs provisioning installed, with their sha256 and versionName. */
  get installedApps(): InstalledApp[] {
    return this.record.apps ?? [];
  }

  /**
   * After a browser started: is the CA there inside its own mount namespace? Throws the one-line
   * failure naming the step; does nothing for the user store or without root (nothing to enter with).
   * Returns where it was seen (undefined when nothing could be checked).
   */
  async verifyCaInApp(pkg: string): Promise<{ pid: number; path: string } | undefined> {
    if (!this.record.ca) return undefined;
    const result = await checkCaInApp(this.device, this.record.ca, pkg, this.sdk);
    if (typeof result !== 'string') return result ?? undefined;
    if (!/is not running/.test(result)) throw new PhonehomeError(result);
    this.warn(`${this.device.serial}: ${result}`);
    return undefined;
  }

  /** `host:port` the phone's apps now use as their proxy. */
  get proxyAddress(): string | undefined {
    return this.record.proxy?.value;
  }

  get caStore(): 'system' | 'user' | undefined {
    return this.record.ca?.store;
  }

  /** @internal */
  keepReverse(intervalMs: number): void {
    const reverse = this.record.proxy?.reverse;
    if (!reverse || intervalMs <= 0) return;
    this.keeper = new ReverseKeeper(this.device, reverse.remote, reverse.local, { intervalMs });
    this.keeper.on('lost', (error) => this.emit('reverse-lost', error));
    this.keeper.start();
  }

  /** Re-asserts the reverse now (before a visit), instead of waiting for the keeper's next tick. */
  async reassert(): Promise<void> {
    await this.keeper?.check();
  }

  /** @internal */
  warn(message: string): void {
    this.warnings.push(message);
    this.emit('warning', message);
  }

  undo(): Promise<UndoResult> {
    this.keeper?.stop();
    this.undone ??= undoRecord(this.device, this.record);
    return this.undone;
  }
}

/**
 * Provisions a phone: proxy first, then the CA. A step that fails undoes what was done and throws
 * a message naming the step. A record of each change is written to the phone *before* the change.
 */
export async function provisionPhone(device: AdbDevice, options: ProvisionOptions): Promise<Provisioning> {
  const log = options.log ?? (() => undefined);
  const props = await device.getProperties();
  // Before anything changes: a phone that refuses what a run needs stops here, untouched.
  const preflight = options.preflight === false ? undefined : await runPreflight(device, { props, name: options.name });
  if (preflight && !preflight.ok) {
    throw new PhonehomeError(`preflight failed on ${options.name ?? device.serial} (nothing changed on the phone): ${preflight.blockers.map((b) => b.line).join('; ')}`);
  }
  const leftover = await readRecord(device);
  if (leftover) {
    log(`${device.serial}: undoing an earlier provisioning that was not undone (started ${new Date(leftover.startedAt).toISOString()})`);
    const result = await undoRecord(device, leftover);
    if (!result.ok) throw new PhonehomeError(`provisioning ${device.serial}: an earlier provisioning could not be undone: ${result.problems.join('; ')}`);
  }
  const sdk = Number(props['ro.build.version.sdk']) || 0;
  const record: ProvisionRecord = { version: 1, serial: device.serial, startedAt: Date.now() };
  const provisioning = new Provisioning(device, record, sdk);
  provisioning.preflight = preflight;
  provisioning.user = preflight?.user ?? (await currentUser(device));
  const save = () => writeRecord(device, record);
  let step = 'apps';
  try {
    if (options.apps && options.apps.length > 0) {
      record.apps = await installApps(device, options.apps, props);
      await save();
    }
    step = 'proxy';
    const proxyPlan = await planProxy(device, options.proxyPort, options.proxyHost);
    record.proxy = proxyPlan;
    await save();
    await applyProxy(device, proxyPlan);

    step = 'CA';
    const root = preflight?.root ?? (await detectRoot(device, props));
    let method: RootMethod = root.method;
    let form: RootForm | undefined = root.form;
    const wanted = options.caStore ?? 'auto';
    if (method === 'adb-root' && wanted !== 'user') {
      // A debuggable build: `adb root` first (the whole shell is then root), a su form only if it fails.
      record.adbdRootedByUs = true;
      await save();
      const waitForPhone = options.waitForPhone ?? (async () => { await device.shell('true', { timeoutMs: 2000 }); });
      if (await restartAdbdAsRoot(device, waitForPhone)) {
        method = 'adbd';
        form = 'shell';
        // adbd restarted: the reverse went with it.
        if (proxyPlan.reverse) await device.reverse(proxyPlan.reverse.remote, proxyPlan.reverse.local);
      } else {
        method = form ? 'su' : 'none';
      }
    } else if (method === 'adb-root') {
      method = form ? 'su' : 'none';
    }
    if (method === 'none') form = undefined;
    const store = wanted === 'auto' ? (method === 'none' ? 'user' : 'system') : wanted;
    if (store === 'system' && method === 'none') {
      throw new PhonehomeError(`CA step failed on ${device.serial}: the system store needs root, and this phone has none (${root.detail}); use the user store (caStore 'user' or 'auto')`);
    }
    if (store === 'user') provisioning.warn(`${device.serial}: ${USER_CA_WARNING}`);
    const caPlan = await planCa(device, { caCertPem: options.caCertPem, rootMethod: method, rootForm: form, store, sdk, user: provisioning.user });
    record.ca = caPlan;
    await save();
    await applyCa(device, caPlan, { caCertPem: options.caCertPem, sdk, userCaTimeoutMs: options.userCaTimeoutMs ?? 60_000, log, warn: (line) => provisioning.warn(line), ...(options.confirmUserCa ? { confirmUserCa: options.confirmUserCa } : {}) }, async () => { await save(); });
    await save();

    // With root: the CA's key in Chromium's command-line files, so a Chromium-based browser that
    // honours them ignores certificate errors (Certificate Transparency) for our chains only.
    if (form !== undefined && method !== 'none' && store === 'system') {
      step = 'Chrome flag files';
      const flags = await planChromeFlags(device, form, options.caCertPem);
      record.chromeFlags = flags;
      await save();
      await applyChromeFlags(device, flags);
    }
    // With root: every app's log lines at V for the run (MIUI is reported to drop third-party apps'
    // lines), the value found put back on undo.
    if (form !== undefined && method !== 'none') {
      step = 'log.tag';
      const logTag = await planLogTag(device, form);
      if (logTag) {
        record.logTag = logTag;
        await save();
        await applyLogTag(device, logTag);
      }
    }
  } catch (error) {
    const result = await provisioning.undo();
    const undoNote = result.ok ? 'changes undone' : `undo incomplete: ${result.problems.join('; ')}`;
    const message = error instanceof Error ? error.message : String(error);
    const named = /step failed/.test(message) ? message : `${step} step failed on ${device.serial}: ${message}`;
    throw new PhonehomeError(`${named} (${undoNote})`, { cause: error });
  }
  provisioning.keepReverse(options.reassertMs ?? 2000);
  return provisioning;
}

/** `am get-current-user` (MIUI Second space runs as another user); 0 when the phone does not say. */
async function currentUser(device: AdbDevice): Promise<number> {
  return (await readCurrentUser(device)) ?? 0;
}

/** Undoes whatever the phone's provisioning record says (`phonehome provision --undo`). */
export async function undoProvisioningOnPhone(device: AdbDevice): Promise<UndoResult & { found: boolean }> {
  const record = await readRecord(device);
  if (!record) return { ok: true, problems: [], found: false };
  return { ...(await undoRecord(device, record)), found: true };
}

/** Every step is attempted even when another fails; the record goes only when all succeeded. */
async function undoRecord(device: AdbDevice, record: ProvisionRecord): Promise<UndoResult> {
  const problems: string[] = [];
  if (record.ca) await undoCa(device, record.ca).catch((error: Error) => { problems.push(error.message); });
  if (record.proxy) await undoProxy(device, record.proxy).catch((error: Error) => { problems.push(error.message); });
  if (record.chromeFlags) await undoChromeFlags(device, record.chromeFlags).catch((error: Error) => { problems.push(error.message); });
  if (record.logTag) await undoLogTag(device, record.logTag).catch((error: Error) => { problems.push(error.message); });
  if (record.adbdRootedByUs) await device.unroot().catch((error: Error) => { problems.push(`adb unroot: ${error.message}`); });
  if (problems.length === 0) await deleteRecord(device).catch((error: Error) => { problems.push(`delete record: ${error.message}`); });
  return { ok: problems.length === 0, problems };
}
