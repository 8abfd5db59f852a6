import { Readable, type Duplex } from 'node:stream';
import type { Client, DeviceClient } from '@devicefarmer/adbkit';
import { PhonehomeError } from '../errors.js';
import { existingServer, runAdb } from './adbServer.js';
import { withTimeout } from './withTimeout.js';

export const DEFAULT_ADB_TIMEOUT_MS = 10_000;
/** Shell output above this is refused: nothing the harness asks for is that large. */
export const DEFAULT_SHELL_MAX_BYTES = 8 * 1024 * 1024;

/** The phone stopped answering (unplugged, adbd gone, offline). Sessions on it fail; others go on. */
export class DeviceLostError extends PhonehomeError {
  readonly serial: string;
  constructor(serial: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'DeviceLostError';
    this.serial = serial;
  }
}

const LOST_PATTERNS = /not found|offline|no devices|closed|ECONNRESET|EPIPE|ECONNREFUSED|device still connecting|unauthorized/i;

/**
 * One phone behind an adb server, through adbkit, with a timeout around every call and a one-line
 * error naming the phone and the command when it fails.
 */
export class AdbDevice {
  readonly serial: string;
  readonly timeoutMs: number;
  /** adb binary and server port, for the few commands adbkit lacks (reverse --remove, unroot). */
  readonly bin: string;
  readonly serverPort: number;
  private readonly device: DeviceClient;

  readonly #ensureOpen: (what: string) => void;

  /** `ensureOpen`: throws once the AdbClient this device came from was closed (AdbClient.close()). */
  constructor(client: Client, serial: string, options: { timeoutMs?: number; bin: string; port: number; ensureOpen?: (what: string) => void }) {
    this.#ensureOpen = options.ensureOpen ?? (() => undefined);
    this.serial = serial;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADB_TIMEOUT_MS;
    this.device = client.getDevice(serial);
    this.bin = options.bin;
    this.serverPort = options.port;
  }

  /** Runs a shell command; returns its output (stdout and stderr mixed, as adb's v1 shell gives them). */
  async shell(command: string, options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
    return (await this.shellBuffer(command, options)).toString('utf8');
  }

  async shellBuffer(command: string, options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<Buffer> {
    const what = `adb shell '${brief(command)}' on ${this.serial}`;
    const ms = options.timeoutMs ?? this.timeoutMs;
    let stream: Duplex | undefined;
    const work = (async () => {
      const opened = await this.guard<Duplex>(what, () => this.device.shell(command));
      stream = opened;
      return readBounded(opened, options.maxBytes ?? DEFAULT_SHELL_MAX_BYTES, what);
    })();
    return withTimeout(work, ms, what, () => stream?.destroy());
  }

  /** A long-running shell stream (logcat); the caller destroys it to stop the command. */
  async openShell(command: string): Promise<Duplex> {
    const what = `adb shell '${brief(command)}' on ${this.serial}`;
    return withTimeout(this.guard<Duplex>(what, () => this.device.shell(command)), this.timeoutMs, what);
  }

  async getProperties(): Promise<Record<string, string>> {
    const what = `adb getprop on ${this.serial}`;
    return withTimeout(this.guard(what, () => this.device.getProperties()), this.timeoutMs, what);
  }

  async getprop(key: string): Promise<string> {
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new PhonehomeError(`getprop: '${key}' is not a property name`);
    return (await this.shell(`getprop ${key}`)).trim();
  }

  async push(data: Buffer | string, devicePath: string, mode = 0o644): Promise<void> {
    const what = `adb push ${devicePath} to ${this.serial}`;
    const source = Readable.from([typeof data === 'string' ? Buffer.from(data) : data]);
    await withTimeout(this.guard(what, async () => {
      const transfer = await this.device.push(source, devicePath, mode);
      await new Promise<void>((resolve, reject) => {
        transfer.on('end', () => resolve());
        transfer.on('error', reject);
      });
    }), this.timeoutMs, what);
  }

  /** Reads a file from the phone; a missing file is an error (adbkit may give empty data, see adbkit#464). */
  async pull(devicePath: string, maxBytes = DEFAULT_SHELL_MAX_BYTES): Promise<Buffer> {
    const what = `adb pull ${devicePath} from ${this.serial}`;
    let transfer: Readable | undefined;
    return withTimeout(this.guard(what, async () => {
      transfer = await this.device.pull(devicePath);
      return readBounded(transfer as unknown as Duplex, maxBytes, what);
    }), this.timeoutMs, what, () => transfer?.destroy());
  }

  async reverse(remote: string, local: string): Promise<void> {
    const what = `adb reverse ${remote} ${local} on ${this.serial}`;
    await withTimeout(this.guard(what, () => this.device.reverse(remote, local)), this.timeoutMs, what);
  }

  async listReverses(): Promise<Array<{ remote: string; local: string }>> {
    const what = `adb reverse --list on ${this.serial}`;
    return withTimeout(this.guard(what, () => this.device.listReverses()), this.timeoutMs, what);
  }

  /** adbkit has no reverse removal, so this one goes through the adb CLI on the same server. */
  async removeReverse(remote: string): Promise<void> {
    await this.cli(['reverse', '--remove', remote]);
  }

  /** `adb unroot`: restarts adbd unprivileged (adbkit has no call for it). */
  async unroot(): Promise<void> {
    await this.cli(['unroot']);
  }

  /**
   * `adb install -r -g APK`, or `adb install-multiple -r -g BASE SPLIT…` for split APKs (through the
   * adb CLI: adbkit's install has no -g nor install-multiple). Returns adb's output; a refusal
   * (`Failure [INSTALL_FAILED_…]`) is an error whose message carries it.
   */
  async install(files: string[], options: { timeoutMs?: number } = {}): Promise<string> {
    if (files.length === 0) throw new PhonehomeError(`adb install on ${this.serial}: no APK given`);
    const args = files.length === 1 ? ['install', '-r', '-g', files[0]!] : ['install-multiple', '-r', '-g', ...files];
    const out = await this.cli(args, options.timeoutMs ?? Math.max(this.timeoutMs, 120_000));
    if (/Failure \[|INSTALL_FAILED/.test(out)) throw new PhonehomeError(`'adb ${args.join(' ')}' failed: ${out.trim().split('\n').pop()}`);
    return out;
  }

  private async cli(args: string[], timeoutMs = this.timeoutMs): Promise<string> {
    this.#ensureOpen(`adb ${args.join(' ')} on ${this.serial}`);
    try {
      return await runAdb(this.bin, [...existingServer(this.serverPort), '-s', this.serial, ...args], timeoutMs);
    } catch (error) {
      const message = (error as Error).message;
      if (LOST_PATTERNS.test(message)) throw new DeviceLostError(this.serial, message, error);
      throw error;
    }
  }

  /**
   * A stream from adbd on the phone to 127.0.0.1:port on the phone (adbd's `tcp:` service, what
   * `adb forward` uses). A refusal is an ordinary error, not a lost phone: nothing may listen there.
   */
  async openTcp(port: number, timeoutMs = this.timeoutMs): Promise<Duplex> {
    const what = `adb tcp:${port} on ${this.serial}`;
    let stream: Duplex | undefined;
    const work = (async () => {
      try {
        stream = (await this.device.openTcp(port)) as unknown as Duplex;
        return stream;
      } catch (error) {
        throw new PhonehomeError(`${what}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, { cause: error });
      }
    })();
    return withTimeout(work, timeoutMs, what, () => stream?.destroy());
  }

  async forward(local: string, remote: string): Promise<void> {
    const what = `adb forward ${local} ${remote} on ${this.serial}`;
    await withTimeout(this.guard(what, () => this.device.forward(local, remote)), this.timeoutMs, what);
  }

  /** PNG of the screen (`screencap -p`); checked for the PNG signature. */
  async screencap(): Promise<Buffer> {
    const what = `adb screencap on ${this.serial}`;
    let stream: Duplex | undefined;
    const png = await withTimeout(this.guard(what, async () => {
      const opened = await this.device.screencap();
      stream = opened;
      return readBounded(opened, 64 * 1024 * 1024, what);
    }), this.timeoutMs * 2, what, () => stream?.destroy());
    if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) {
      throw new PhonehomeError(`${what}: the phone did not return a PNG (${png.length} bytes starting '${png.subarray(0, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '.')}')`);
    }
    return png;
  }

  async isInstalled(pkg: string): Promise<boolean> {
    const what = `adb pm path ${pkg} on ${this.serial}`;
    return withTimeout(this.guard(what, () => this.device.isInstalled(pkg)), this.timeoutMs, what);
  }

  /** `adb root`: true when adbd now runs as root (it restarts; the caller waits for the phone). */
  async root(): Promise<boolean> {
    const what = `adb root on ${this.serial}`;
    try {
      return await withTimeout(this.device.root(), this.timeoutMs, what);
    } catch (error) {
      if (/already running as root/i.test(String((error as Error).message))) return true;
      return false;
    }
  }

  /** Wraps adbkit's errors in one-line errors naming the phone; a vanished phone is a DeviceLostError. */
  private async guard<T>(what: string, call: () => PromiseLike<T>): Promise<T> {
    this.#ensureOpen(what);
    try {
      return await call();
    } catch (error) {
      if (error instanceof PhonehomeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (LOST_PATTERNS.test(message)) throw new DeviceLostError(this.serial, `${what}: phone not reachable (${message.split('\n')[0]})`, error);
      throw new PhonehomeError(`${what}: ${message.split('\n')[0]}`, { cause: error });
    }
  }
}

function brief(command: string): string {
  return command.length > 80 ? `${command.slice(0, 77)}...` : command;
}

/** Reads a stream to its end, refusing more than maxBytes (a hostile or runaway phone). */
export function readBounded(stream: NodeJS.ReadableStream & { destroy?: (e?: Error) => void }, maxBytes: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stream.destroy?.();
        finish(new PhonehomeError(`${what}: output exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (error: Error) => finish(error));
  });
}
