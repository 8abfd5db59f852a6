import adbkit, { type Client } from '@devicefarmer/adbkit';
import { PhonehomeError } from '../errors.js';
import { AdbDevice, DEFAULT_ADB_TIMEOUT_MS } from './adbDevice.js';
import { DEFAULT_ADB_BIN } from './adbServer.js';
import { withTimeout } from './withTimeout.js';

// adbkit is CommonJS: Node's ESM loader hands over module.exports (with .Adb), while a CJS-mode
// loader (tsx under mocha) hands over exports.default, the Adb class itself.
const Adb = ((adbkit as { Adb?: typeof adbkit.Adb }).Adb ?? (adbkit as unknown as typeof adbkit.Adb));

export type AdbState = 'device' | 'offline' | 'unauthorized' | 'emulator' | 'unknown' | 'absent';

export interface AdbClientOptions {
  /** adb server port: default $ANDROID_ADB_SERVER_PORT or 5037 (the user's server). */
  port?: number;
  host?: string;
  bin?: string;
  timeoutMs?: number;
}

/** The adb server, through adbkit, with a timeout around every call. */
export class AdbClient {
  readonly port: number;
  readonly bin: string;
  readonly timeoutMs: number;
  private readonly client: Client;
  #closed = false;

  constructor(options: AdbClientOptions = {}) {
    this.port = options.port ?? (Number(process.env.ANDROID_ADB_SERVER_PORT) || 5037);
    this.bin = options.bin ?? DEFAULT_ADB_BIN;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADB_TIMEOUT_MS;
    this.client = Adb.createClient({ host: options.host ?? '127.0.0.1', port: this.port, bin: this.bin });
  }

  /**
   * No call through this client (or its devices) reaches adbkit any more: adbkit answers a refused
   * connection by running `adb -P PORT start-server` (adbkit dist/src/adb/connection.js, connect()),
   * so a call still in flight after the run stopped its private server would start a detached one
   * (found on this machine after Ctrl-C runs: a server in the run's folder, in the run's environment).
   */
  close(): void {
    this.#closed = true;
  }

  /** Throws once close() was called, naming the call. */
  #ensureOpen(what: string): void {
    if (this.#closed) throw new PhonehomeError(`${what}: the run's adb client is closed (its server was stopped)`);
  }

  async listDevices(): Promise<Array<{ serial: string; state: AdbState }>> {
    const what = `adb devices (server port ${this.port})`;
    this.#ensureOpen(what);
    try {
      const devices = await withTimeout<Array<{ id: string; type: string }>>(this.client.listDevices(), this.timeoutMs, what);
      return devices.map((d) => ({ serial: d.id, state: d.type as AdbState }));
    } catch (error) {
      if (error instanceof PhonehomeError) throw error;
      throw new PhonehomeError(`${what}: ${(error as Error).message}`);
    }
  }

  async state(serial: string): Promise<AdbState> {
    return (await this.listDevices()).find((d) => d.serial === serial)?.state ?? 'absent';
  }

  /** `adb connect host:port`. */
  async connect(address: string): Promise<void> {
    const { host, port } = splitAddress(address);
    const what = `adb connect ${address}`;
    this.#ensureOpen(what);
    try {
      await withTimeout(this.client.connect(host, port), this.timeoutMs, what);
    } catch (error) {
      if (error instanceof PhonehomeError) throw error;
      throw new PhonehomeError(`${what}: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  async disconnect(address: string): Promise<void> {
    const { host, port } = splitAddress(address);
    if (this.#closed) return;
    await withTimeout(this.client.disconnect(host, port), this.timeoutMs, `adb disconnect ${address}`).catch(() => undefined);
  }

  device(serial: string, timeoutMs?: number): AdbDevice {
    return new AdbDevice(this.client, serial, { timeoutMs: timeoutMs ?? this.timeoutMs, bin: this.bin, port: this.port, ensureOpen: (what) => this.#ensureOpen(what) });
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new PhonehomeError(`'${address}' is not a host:port adb address`);
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port };
}
