import { EventEmitter } from 'node:events';
import { AdbDaemon, type ServiceEvent } from './adbd/index.js';
import { AndroidDevice, ROOT, type ShellEvent } from './android/index.js';
import type { Profile } from './profile.js';
import type { AppRuntimeFactory } from './services.js';

export interface SimulatedPhoneOptions {
  profile: Profile;
  /** TCP port adbd listens on; 0 picks a free one (read `port` after start). */
  port?: number;
  host?: string;
  /** Builds the apps layer; default: createAppRuntime from sim/apps/index.ts. */
  appRuntime?: AppRuntimeFactory;
}

export interface SimulatedPhoneEvents {
  /** adbd is listening. */
  ready: [info: { serial: string; port: number }];
  /** Every shell command line adbd runs, with whether this shell knows all its commands. */
  shell: [event: ShellEvent];
  /** Every service a host OPENs (`sync:`, `tcp:6790`, `reverse:forward:…`), known or refused. */
  service: [event: ServiceEvent];
  connection: [remoteAddress: string];
  /** A host offered an RSA key the phone has not authorized (AUTH-required profiles). */
  authRequest: [publicKey: string];
  reboot: [];
  /** Something worth telling the operator that is not an error (e.g. no apps layer yet). */
  warning: [message: string];
  stopped: [];
}

const ADB_KEYS = '/data/misc/adb/adb_keys';

async function defaultAppRuntime(): Promise<AppRuntimeFactory | null> {
  // A variable specifier keeps the type checker from requiring the apps layer at build time.
  const specifier = './apps/index.js';
  try {
    const module = (await import(specifier)) as { createAppRuntime?: AppRuntimeFactory };
    return typeof module.createAppRuntime === 'function' ? module.createAppRuntime : null;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('apps/index')) return null;
    throw error;
  }
}

/**
 * One simulated Xiaomi phone: the Android model and its apps behind a protocol-real adbd on
 * TCP, so `adb connect host:port` lists it as a device.
 *
 * Restart semantics: the Android model (files, settings, installed packages, contacts,
 * authorized adb keys) survives stop()/start(), as a phone keeps its storage across a reboot;
 * volatile state (root, user mounts, adb reverses, running apps, the log buffer) does not, and
 * the apps layer is created afresh on each start.
 */
export class SimulatedPhone extends EventEmitter<SimulatedPhoneEvents> {
  readonly profile: Profile;
  readonly android: AndroidDevice;
  readonly adbd: AdbDaemon;
  readonly host: string;
  private readonly factory: AppRuntimeFactory | undefined;
  private requestedPort: number;
  private boundPort: number | null = null;
  private starts = 0;

  constructor(options: SimulatedPhoneOptions) {
    super();
    this.profile = options.profile;
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.factory = options.appRuntime;
    this.android = new AndroidDevice(options.profile);
    this.adbd = new AdbDaemon({ services: this.android, authorizedKeys: () => this.authorizedKeys() });
    this.android.on('shell', (event) => this.emit('shell', event));
    this.android.on('reboot', () => {
      // A rebooting phone drops every adb connection; hosts reconnect once it is back.
      this.adbd.dropConnections();
      this.emit('reboot');
    });
    this.adbd.on('service', (event) => this.emit('service', event));
    this.adbd.on('connection', (connection) => this.emit('connection', connection.remoteAddress));
    this.adbd.on('authRequest', (key) => this.emit('authRequest', key));
  }

  get running(): boolean {
    return this.boundPort !== null;
  }

  /** The adbd port (after start(); the requested one before). */
  get port(): number {
    return this.boundPort ?? this.requestedPort;
  }

  /** What `adb connect` takes and `adb devices` lists. */
  get serial(): string {
    return `${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`simulated phone ${this.serial} is already running`);
    if (this.starts > 0) this.android.resetVolatileState();
    const factory = this.factory ?? (await defaultAppRuntime());
    if (factory) this.android.attachApps(factory);
    else this.emit('warning', 'sim/apps/index.ts has no createAppRuntime yet: the phone runs with its launcher only');
    this.boundPort = await this.adbd.start(this.requestedPort, this.host);
    // adbd over TCP listens on service.adb.tcp.port (AOSP adbd main.cpp reads it at start), so a
    // client reading the property sees the port it connected to.
    this.android.props.setSystem('service.adb.tcp.port', String(this.boundPort));
    // A restart comes back on the same port, so `adb connect` to the old serial finds it.
    this.requestedPort = this.boundPort;
    this.starts++;
    this.emit('ready', { serial: this.serial, port: this.boundPort });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.boundPort = null;
    await this.adbd.stop();
    this.android.shutdown();
    this.emit('stopped');
  }

  /** The user taps "Allow" on the USB-debugging dialog: pending host keys are remembered and let in. */
  allowPendingKeys(): number {
    const keys = this.adbd.pendingKeys();
    if (keys.length === 0) return 0;
    const existing = this.authorizedKeys();
    const lines = [...new Set([...existing, ...keys])].join('\n') + '\n';
    this.android.files.writeFile(ADB_KEYS, Buffer.from(lines), ROOT, { mode: 0o640 });
    return this.adbd.authorizePending();
  }

  authorizedKeys(): string[] {
    try {
      return this.android.files.readFile(ADB_KEYS, ROOT).toString('utf8').split('\n').filter((l) => l.trim().length > 0);
    } catch {
      return [];
    }
  }
}
