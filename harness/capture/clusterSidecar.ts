/**
 * The capture sidecar on every core: N worker processes (Node's cluster module), each a
 * CaptureSidecar that records into the same capture folder under its own flows file
 * (flows.<shard>.jsonl; readFlows merges them by completion time), all accepting on one listening
 * socket that the cluster shares. Every durability rule of CaptureSidecar holds per worker: a flow
 * is on disk before its client sees the end of the response, so a SIGKILL of any worker loses
 * nothing already answered. This process (the primary) relays no traffic; it writes what is the
 * cluster's, not one worker's:
 *  - capture-start once every worker listens, capture-stop once all have stopped;
 *  - one capture-heartbeat per interval, and only while EVERY worker has beaten since the last one
 *    (a hung worker stops the heartbeats: a liveness signal from this idle process alone would prove
 *    nothing about the workers carrying the traffic);
 *  - a capture-down blind spot when a worker dies while the capture runs (exchanges it had in
 *    progress are lost with it), then a replacement worker with a new shard of its own.
 * Connections are spread by the cluster's default round-robin scheduling (the primary accepts, a
 * worker serves: https://nodejs.org/docs/latest-v20.x/api/cluster.html#how-it-works).
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhonehomeError } from '../errors.js';
import { MarkerWriter } from './captureReader.js';
import type { CaptureSidecarOptions, UpstreamMode } from './captureSidecar.js';
import { loadOrCreateCa, phonehomeHome, type CertificateAuthority } from './certificateAuthority.js';
import type { FromWorker, ToWorker, WorkerSidecarOptions } from './clusterProtocol.js';
import { JsonlAppender } from './jsonlAppender.js';
import { makeFolder } from './makeFolder.js';
import { CAPTURE_FILES, HEARTBEAT_MS, type BlindSpot } from './types.js';

export interface ClusterSidecarOptions extends Omit<CaptureSidecarOptions, 'shard'> {
  /** Worker processes; default availableParallelism(). */
  workers?: number;
}

export interface ClusterSidecarEvents {
  /** A worker's disk or relay error (as CaptureSidecar's 'error'), or a worker that died. Unhandled: printed to stderr. */
  error: [error: Error];
  /** A worker died while the capture ran (its blind spot is written); a replacement is starting. */
  'worker-died': [info: { shard: string; pid: number; code: number | null; signal: string | null }];
}

/** How long a worker gets to start listening, and to stop, before it is given up on. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

// Built (dist/), the compiled worker runs as is; from the sources, an entry that registers tsx first.
const WORKER_ENTRY = fileURLToPath(import.meta.url.endsWith('.ts') ? new URL('./clusterWorkerEntry.js', import.meta.url) : new URL('./clusterWorker.js', import.meta.url));

interface Member {
  worker: Worker;
  shard: string;
  pid: number;
  /** Flows written and exchanges in flight, as of its last beat. */
  flows: number;
  inFlight: number;
  /** Beaten since the last heartbeat marker. */
  beaten: boolean;
  /** Its exit is expected (stop()), so it is no blind spot. */
  leaving: boolean;
}

export class ClusterSidecar extends EventEmitter<ClusterSidecarEvents> {
  readonly options: Readonly<ClusterSidecarOptions>;
  readonly workers: number;
  #members = new Map<number, Member>();
  #nextShard = 1;
  #port = 0;
  #ca: CertificateAuthority | undefined;
  #markers: MarkerWriter | undefined;
  #blindSpots: JsonlAppender | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  /** capture-start was written (so capture-stop is due). */
  #started = false;
  /** Flows of workers that are gone (their last count), so flowsRecorded never goes down. */
  #flowsOfGone = 0;

  constructor(options: ClusterSidecarOptions) {
    super();
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new PhonehomeError(`capture workers must be an integer from 1 to 256, got ${workers}`);
    if (!cluster.isPrimary) throw new PhonehomeError('a ClusterSidecar must be started from a cluster primary process, not from a worker');
    this.workers = workers;
    this.options = { ...options };
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get mode(): UpstreamMode {
    return this.options.upstream ?? 'sink';
  }

  get port(): number {
    this.#requireRunning('port');
    return this.#port;
  }

  get url(): string {
    this.#requireRunning('url');
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.#port}`;
  }

  get ca(): CertificateAuthority {
    if (!this.#ca) throw new PhonehomeError('the capture sidecar has no CA before start()');
    return this.#ca;
  }

  get out(): string {
    return path.resolve(this.options.out);
  }

  /** PIDs of the live workers. */
  get pids(): number[] {
    return [...this.#members.values()].map((m) => m.pid);
  }

  /** Flows written by all workers, as of their last beats. */
  get flowsRecorded(): number {
    let n = this.#flowsOfGone;
    for (const m of this.#members.values()) n += m.flows;
    return n;
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new PhonehomeError(`the capture sidecar was already ${this.#state === 'stopped' ? 'stopped' : 'started'}; create a new one`);
    this.#state = 'starting';
    try {
      await this.#start();
    } catch (error) {
      await this.#teardown();
      this.#state = 'stopped';
      throw error;
    }
    this.#state = 'running';
  }

  async #start(): Promise<void> {
    const requestedPort = this.options.port ?? 0;
    if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
      throw new PhonehomeError(`capture port must be 0-65535, got ${requestedPort}`);
    }
    this.#ca = this.options.ca ?? (await loadOrCreateCa(this.options.home ?? phonehomeHome()));
    try {
      makeFolder(path.join(this.out, CAPTURE_FILES.bodies));
    } catch (error) {
      throw new PhonehomeError(`cannot create capture folder ${this.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (pass --out a folder you can write to)`);
    }
    this.#markers = new MarkerWriter(this.out);
    this.#blindSpots = new JsonlAppender(path.join(this.out, CAPTURE_FILES.blindSpots));
    // Every worker (and any replacement) asks for the same concrete port: the cluster shares one
    // listening socket per requested address and port, so port 0 would have to stay 0 to be shared,
    // and would become another port should every worker die at once.
    this.#port = requestedPort === 0 ? await freePort(this.host) : requestedPort;
    await Promise.all(Array.from({ length: this.workers }, () => this.#spawn(this.#port)));
    this.#started = true;
    this.#markers.write({ time: Date.now(), kind: 'capture-start', data: { port: this.#port, host: this.host, mode: this.mode, pid: process.pid, workers: this.pids } });
    this.#heartbeat = setInterval(() => this.#beat(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Forks one worker with a shard of its own; resolves once it listens on `port`. */
  #spawn(port: number): Promise<number> {
    const shard = String(this.#nextShard++);
    const { workers: _workers, ca: _ca, home: _home, ...sidecarOptions } = this.options;
    const options: WorkerSidecarOptions = { ...sidecarOptions, out: this.out, port, host: this.host, ca: this.#ca!, shard };
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], silent: false });
    const worker = cluster.fork();
    const member: Member = { worker, shard, pid: worker.process.pid ?? 0, flows: 0, inFlight: 0, beaten: true, leaving: false };
    this.#members.set(worker.id, member);
    // An IPC write to a worker that is dying fails (EPIPE); its 'exit' says what happened.
    worker.on('error', () => {});
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new PhonehomeError(`capture worker ${shard} did not start listening within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        member.leaving = true;
        worker.process.kill('SIGKILL');
        reject(error);
      };
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'loaded':
            worker.send({ type: 'start', options } satisfies ToWorker);
            break;
          case 'ready':
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              resolve(message.port);
            }
            break;
          case 'failed':
            fail(new PhonehomeError(message.message));
            break;
          case 'beat':
            member.flows = message.flows;
            member.inFlight = message.inFlight;
            member.beaten = true;
            break;
          case 'stopped':
            member.flows = message.flows;
            break;
          case 'error':
            this.#reportError(new Error(`worker ${shard}: ${message.message}`));
            break;
        }
      });
      worker.once('exit', (code, signal) => {
        this.#members.delete(worker.id);
        this.#flowsOfGone += member.flows;
        if (!settled) fail(new PhonehomeError(`capture worker ${shard} exited before listening (code ${code}, signal ${signal})`));
        else if (!member.leaving && this.#state === 'running') this.#died(member, code, signal);
      });
    });
  }

  /** A worker died under load: say so in the capture (its exchanges in progress are lost), and replace it. */
  #died(member: Member, code: number | null, signal: string | null): void {
    const time = Date.now();
    const blindSpot: BlindSpot = {
      id: `capture-worker-${member.shard}-died-${time}`,
      time,
      reason: 'capture-down',
      detail: `capture worker ${member.shard} (pid ${member.pid}) died (${signal ? `signal ${signal}` : `exit code ${code}`}); the ${member.inFlight} exchange(s) it had in progress at its last heartbeat were lost (everything it answered is on disk); a replacement worker was started`,
    };
    try {
      this.#blindSpots?.append(blindSpot);
    } catch (error) {
      this.#reportError(error as Error);
    }
    this.emit('worker-died', { shard: member.shard, pid: member.pid, code, signal });
    this.#spawn(this.#port).catch((error: Error) => this.#reportError(new Error(`could not replace capture worker ${member.shard}: ${error.message}`)));
  }

  #beat(): void {
    const members = [...this.#members.values()];
    // A worker that has not beaten since the last heartbeat (hung, or still starting) withholds this one.
    if (members.length === 0 || members.some((m) => !m.beaten)) return;
    for (const m of members) m.beaten = false;
    try {
      this.#markers?.write({
        time: Date.now(),
        kind: 'capture-heartbeat',
        data: { flows: this.flowsRecorded, inFlight: members.reduce((n, m) => n + m.inFlight, 0), workers: members.length },
      });
    } catch (error) {
      this.#reportError(error as Error);
    }
  }

  /** Stops every worker (each writes its exchanges in progress, with `error`), then `capture-stop`. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    await this.#teardown();
  }

  async #teardown(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    await Promise.all([...this.#members.values()].map((m) => this.#stopMember(m)));
    if (this.#markers && this.#started) {
      try {
        this.#markers.write({ time: Date.now(), kind: 'capture-stop', data: { flows: this.flowsRecorded } });
      } catch (error) {
        this.#reportError(error as Error);
      }
    }
    await this.#markers?.close();
    this.#blindSpots?.close();
  }

  #stopMember(member: Member): Promise<void> {
    member.leaving = true;
    const { worker } = member;
    if (worker.isDead()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (worker.isConnected()) worker.send({ type: 'stop' } satisfies ToWorker);
      else worker.process.kill('SIGKILL');
    });
  }

  #reportError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.stderr.write(`phonehome capture: ${error.message}\n`);
  }

  #requireRunning(what: string): void {
    if (this.#state !== 'running') throw new PhonehomeError(`the capture sidecar's ${what} is known only while it runs (call start() first)`);
  }
}

/** A port free on `host` right now (the cluster binds it a moment later, as mockttp's own port pick does). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new PhonehomeError(error.code === 'EADDRNOTAVAIL' ? `cannot listen on ${host}: no such local address (pass --host 127.0.0.1, or an address of this machine)` : `cannot listen on ${host}: ${error.code ?? error.message}`)),
    );
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
