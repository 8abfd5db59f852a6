import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhonehomeError } from '../errors.js';
import { ensureAndroidHome } from './androidHome.js';
import { findAppiumHome } from './appiumInstall.js';

/** The package root (a clone's, or node_modules/phonehome installed). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AppiumServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** 0 or absent: a free port is picked (read `port` / `url` after start()). */
  port?: number;
  /** A private adb server port: becomes the default `appium:adbPort` (and suppressKillServer) of every session. */
  adbPort?: number;
  /** Appium's log goes here too (append). */
  logFile?: string;
  /** Called with the server's PID as soon as it is spawned (a run's process ledger records it). */
  onSpawn?: (pid: number) => void;
  /** Added to the server's environment (a run's marker, which the adb commands it runs inherit). */
  env?: Readonly<Record<string, string>>;
  /** Default: the project root. */
  appiumHome?: string;
  /** Default: ensureAndroidHome() (the user's SDK, or a minimal one linking the system adb). */
  androidHome?: string;
  /** Appium --log-level; default 'info' ('debug' shows every proxied UiAutomator2 call). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** How long start() waits for /status; default 60 s. */
  startTimeoutMs?: number;
  /** Extra `appium server` arguments (e.g. ['--relaxed-security']). */
  extraArgs?: string[];
}

export interface AppiumServerEvents {
  /** One line of Appium's output. */
  log: [line: string];
  /** The Appium process ended (after stop(), or on its own). */
  exit: [code: number | null, signal: NodeJS.Signals | null];
}

const LOG_TAIL = 200;
const STOP_GRACE_MS = 10_000;
const PORT_ATTEMPTS = 3;

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function getStatus(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/status`, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: { ready?: boolean } };
          resolve(res.statusCode === 200 && body.value?.ready !== false);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * An Appium 3 server the harness starts and stops: appium from the project's own dependencies
 * (APPIUM_HOME = the project root, so the pinned UiAutomator2 driver is found without
 * `appium driver install`), an ANDROID_HOME that needs no SDK, loopback only.
 */
export class AppiumServer extends EventEmitter<AppiumServerEvents> {
  readonly host: string;
  private readonly options: AppiumServerOptions;
  private child: ChildProcess | null = null;
  private boundPort: number | null = null;
  private readonly tail: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(options: AppiumServerOptions = {}) {
    super();
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
      throw new PhonehomeError(`Appium server: port ${options.port} is not a TCP port (use 0 for a free one)`);
    }
  }

  get running(): boolean {
    return this.child !== null && this.boundPort !== null;
  }

  get port(): number {
    if (this.boundPort === null) throw new PhonehomeError('Appium server: port read before start()');
    return this.boundPort;
  }

  /** Base URL for WebdriverIO / sessions, e.g. http://127.0.0.1:4723. */
  get url(): string {
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** The last lines Appium printed (for error messages). */
  recentLog(): string[] {
    return [...this.tail];
  }

  async start(): Promise<void> {
    if (this.child) throw new PhonehomeError('Appium server: already started');
    const androidHome = this.options.androidHome ?? ensureAndroidHome();
    const fixed = this.options.port ? this.options.port : null;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < (fixed ? 1 : PORT_ATTEMPTS); attempt++) {
      const port = fixed ?? (await freePort(this.host));
      try {
        await this.launch(port, androidHome);
        this.boundPort = port;
        return;
      } catch (error) {
        lastError = error as Error;
        await this.stop();
        // A picked port taken in the meantime: try another one.
        if (fixed || !/EADDRINUSE|address already in use/i.test(lastError.message)) break;
      }
    }
    throw lastError ?? new PhonehomeError('Appium server did not start');
  }

  private async launch(port: number, androidHome: string): Promise<void> {
    const appiumHome = this.options.appiumHome ?? findAppiumHome();
    const script = path.join(appiumHome, 'node_modules', 'appium', 'index.js');
    const defaults: Record<string, unknown> = {};
    if (this.options.adbPort !== undefined) {
      defaults['appium:adbPort'] = this.options.adbPort;
      // A private adb server must not be killed by appium-adb's recovery (it drops `adb connect` phones).
      defaults['appium:suppressKillServer'] = true;
    }
    const args = [script, 'server', '--address', this.host, '--port', String(port), '--log-no-colors', '--log-timestamp', '--log-level', this.options.logLevel ?? 'info'];
    if (Object.keys(defaults).length > 0) args.push('--default-capabilities', JSON.stringify(defaults));
    if (this.options.logFile) args.push('--log', path.resolve(this.options.logFile));
    args.push(...(this.options.extraArgs ?? []));
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.env, APPIUM_HOME: appiumHome, ANDROID_HOME: androidHome, ANDROID_SDK_ROOT: androidHome };
    if (this.options.adbPort !== undefined) env.ANDROID_ADB_SERVER_PORT = String(this.options.adbPort);

    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (child.pid !== undefined) this.options.onSpawn?.(child.pid);
    process.once('exit', this.killOnExit);
    let exitInfo: string | null = null;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        process.off('exit', this.killOnExit);
        if (this.child === child) {
          this.child = null;
          this.boundPort = null;
        }
        this.emit('exit', code, signal);
        resolve();
      });
    });
    child.once('error', (error) => this.record(`spawn error: ${error.message}`));
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        if (partial.length > 64 * 1024) partial = partial.slice(-64 * 1024);
        for (const line of lines) this.record(line);
      });
    }

    const url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (exitInfo) throw new PhonehomeError(`Appium exited during start-up (${exitInfo}): ${this.explain()}`);
      if (await getStatus(url, 2000)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new PhonehomeError(`Appium did not answer ${url}/status within ${this.options.startTimeoutMs ?? 60_000} ms: ${this.explain()}`);
  }

  /** Stops Appium (SIGTERM, SIGKILL after 10 s) and waits for it to exit. Safe to call twice. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private record(line: string): void {
    const clean = line.replace(/\r$/, '');
    if (clean === '') return;
    this.tail.push(clean);
    if (this.tail.length > LOG_TAIL) this.tail.shift();
    this.emit('log', clean);
  }

  private explain(): string {
    const errors = this.tail.filter((l) => /error|EADDRINUSE|Could not|not found|cannot/i.test(l));
    const lines = (errors.length > 0 ? errors : this.tail).slice(-3);
    return lines.length > 0 ? lines.join(' | ') : 'no output';
  }
}
