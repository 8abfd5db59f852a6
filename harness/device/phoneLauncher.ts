import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhonehomeError } from '../errors.js';
import type { DeviceEntry } from '../config/index.js';

// From the sources, the tsx entry; built (dist/), the compiled one (package.json "bin").
const PHONEHOME_BIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../phonehome.js' : '../bin.js', import.meta.url));

/**
 * Starts the process a devices.json entry names in `launch` (an emulator, `phonehome sim …`) and
 * stops it again. Its output goes to `logFile` when given (the run folder), so the phone does not
 * depend on its launcher to keep running (a pipe would break when the run dies, and the phone with
 * it on EPIPE); else it is kept in memory, bounded. Either way a phone that never comes up can say why.
 */
export class PhoneLauncher {
  private child: ChildProcess | undefined;
  private output = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    private readonly entry: DeviceEntry & { launch: NonNullable<DeviceEntry['launch']> },
    private readonly baseDir: string,
    private readonly logFile?: string,
  ) {}

  /** The launched process's id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  /** Last lines the process printed (for error messages). */
  tail(lines = 5): string {
    const output = this.logFile ? lastBytes(this.logFile, 16 * 1024) : this.output;
    return output.trim().split('\n').slice(-lines).join(' | ');
  }

  /** Why the process ended, if it did. */
  get exitReason(): string | undefined {
    if (!this.exited) return undefined;
    return this.exited.signal ? `killed by ${this.exited.signal}` : `exited with code ${this.exited.code}`;
  }

  async start(): Promise<void> {
    const { command, args = [], cwd, env } = this.entry.launch;
    // `phonehome` is this checkout's own binary (it need not be on PATH).
    const [file, argv] = command === 'phonehome' ? [process.execPath, [PHONEHOME_BIN, ...args]] : [command, args];
    let log: number | undefined;
    if (this.logFile) {
      mkdirSync(path.dirname(this.logFile), { recursive: true });
      log = openSync(this.logFile, 'a');
    }
    let child: ChildProcess;
    try {
      child = spawn(file, argv, {
        cwd: path.resolve(this.baseDir, cwd ?? '.'),
        env: { ...process.env, ...env },
        stdio: log === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', log, log],
        detached: true, // its own process group: stop() ends its children too
      });
    } finally {
      if (log !== undefined) closeSync(log); // the child holds its own copy
    }
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-16 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => { this.exited = { code, signal }; });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => reject(new PhonehomeError(`device '${this.entry.name}': cannot start launch command '${command}': ${error.message}`)));
    });
  }

  async stop(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.exited || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  }
}

function lastBytes(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}
