import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { pidListeningOn } from './processLedger.js';

export const DEFAULT_ADB_BIN = process.env.PHONEHOME_ADB ?? 'adb';

export interface AdbServerOptions {
  /** adb server port; 0 picks a free one. */
  port?: number;
  bin?: string;
  timeoutMs?: number;
  /** Added to the server's environment (a run's marker: the server daemon inherits it from `start-server`). */
  env?: Readonly<Record<string, string>>;
}

/**
 * A private adb server (`adb -P PORT start-server`). Tests and isolated runs use one so they never
 * touch the user's server on 5037; stop() kills only this server.
 */
export class AdbServer {
  readonly bin: string;
  private wantedPort: number;
  private chosenPort: number | undefined;
  private readonly timeoutMs: number;
  private readonly env: Readonly<Record<string, string>> | undefined;

  constructor(options: AdbServerOptions = {}) {
    this.bin = options.bin ?? DEFAULT_ADB_BIN;
    this.wantedPort = options.port ?? 0;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.env = options.env;
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new PhonehomeError('adb server: port read before start()');
    return this.chosenPort;
  }

  async start(): Promise<void> {
    const port = this.wantedPort || (await freePort());
    await runAdb(this.bin, ['-P', String(port), 'start-server'], this.timeoutMs, this.env);
    this.chosenPort = port;
  }

  async stop(): Promise<void> {
    if (this.chosenPort === undefined) return;
    const port = this.chosenPort;
    this.chosenPort = undefined;
    await runAdb(this.bin, [...existingServer(port), 'kill-server'], this.timeoutMs).catch(() => undefined);
    await endServerStillOn(port);
  }
}

/**
 * An adb server still listening on this private port after `kill-server` is this run's: kill-server
 * timed out under load, or an adb CLI call made after it started a new one (the adb client starts a
 * server on demand, `adb -L tcp:PORT fork-server server`, which detaches from our process group).
 * It is ended by its PID, and only if it is adb (its command line says so).
 */
async function endServerStillOn(port: number): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pid = pidListeningOn(port);
    if (pid === undefined) return;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return;
    }
    if (path.basename(cmdline.split('\0')[0] ?? '') !== 'adb') return;
    try {
      process.kill(pid, attempt < 10 ? 'SIGTERM' : 'SIGKILL');
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The adb CLI's options for a call to the server on `port` that must never start one: with `-H`
 * the client treats the server as remote and, finding none, fails with "cannot start server on
 * remote host" instead of launching `adb -L tcp:PORT fork-server server` (AOSP adb
 * client/adb_client.cpp `__adb_check_server_version`; socket_spec.cpp `tcp_host_is_local` counts only
 * an empty host or `localhost` as local). A call after the run stopped its private server (an undo
 * still in flight when Ctrl-C's cleanup ends it) once left a detached server behind that way.
 */
export function existingServer(port: number): string[] {
  return ['-H', '127.0.0.1', '-P', String(port)];
}

/** Runs the adb CLI (for what adbkit lacks, e.g. `reverse --remove`); output or a PhonehomeError. */
export function runAdb(bin: string, args: string[], timeoutMs: number, env?: Readonly<Record<string, string>>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, ...(env ? { env: { ...process.env, ...env } } : {}) }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new PhonehomeError(`adb not found ('${bin}'); install it with 'phonehome doctor --install' or set PHONEHOME_ADB`));
          return;
        }
        const detail = (stderr || stdout || error.message).trim().split('\n').pop() ?? '';
        const killed = (error as { killed?: boolean }).killed ? ` (timed out after ${timeoutMs} ms)` : '';
        reject(new PhonehomeError(`'adb ${args.join(' ')}' failed${killed}: ${detail}`));
        return;
      }
      resolve(stdout);
    });
  });
}

/**
 * A TCP port free on 127.0.0.1 right now. Picked at random below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range): a port the OS hands out for listen(0) or an outgoing
 * connection would soon be handed out again to another process, so a phone or server launched on
 * it a moment later could find it taken. Falls back to the OS's choice.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const floor = 10_000;
  if (low - floor > 1_000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = floor + Math.floor(Math.random() * (low - floor));
      if (await bindable(port)) return port;
    }
  }
  return osPort();
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    /* not Linux: the IANA dynamic range */
  }
  return [49152, 65535];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}
