/**
 * Worker threads that scan flows in parallel: each thread holds its own LeakFinder, reading the one
 * set of pattern tables its pool was given (SharedArrayBuffers: built once, never copied; without
 * them each thread builds its own), and flows go to the least busy one. The caller keeps
 * reading flows and settling party in order; see LeakFinder.addAll. Lifecycle: start(), scan()...,
 * stop().
 */
import { Worker } from 'node:worker_threads';
import type { Flow } from '../capture/types.js';
import type { RootPart } from './flowLayers.js';
import type { LeakFinderOptions } from './leakFinder.js';
import type { Finding, Undecodable } from './types.js';

/** What a worker's LeakFinder is built from: the options that can cross a thread boundary. */
export type PoolFinderOptions = Pick<LeakFinderOptions, 'visits' | 'canaries' | 'bounds' | 'graceMs' | 'firstPartyDomains' | 'matcherTables'>;

export interface ScanRequest {
  id: number;
  flow: Flow;
  /** RootParts whose bytes arrive as plain Uint8Arrays (structured clone drops Buffer). */
  roots: Array<Omit<RootPart, 'bytes'> & { bytes: Uint8Array }>;
}

/** A finding as a worker returns it: its canary as an index into the finder's canaries. */
export type PooledFinding = Omit<Finding, 'canary'> & { canary: number };

export type ScanReply = { id: number; findings: PooledFinding[]; undecodable: Undecodable[] } | { id: number; error: string };

export interface PooledScan {
  findings: PooledFinding[];
  undecodable: Undecodable[];
}

interface Pending {
  resolve: (scan: PooledScan) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
  /** Why the thread is gone (it crashed or exited): it takes no more flows. */
  dead?: Error;
}

// Built (dist/), the compiled worker runs as is; from the sources, an entry that registers tsx first.
const ENTRY = import.meta.url.endsWith('.ts') ? new URL('./scanWorkerEntry.js', import.meta.url) : new URL('./scanWorker.js', import.meta.url);

export class ScanPool {
  readonly size: number;
  readonly #finder: PoolFinderOptions;
  #threads: Thread[] = [];
  #nextId = 0;

  constructor(options: { workers: number; finder: PoolFinderOptions }) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be an integer >= 1, got ${options.workers}`);
    this.size = options.workers;
    this.#finder = options.finder;
  }

  /** Starts the threads and waits until each has built its finder. */
  async start(): Promise<void> {
    if (this.#threads.length > 0) throw new Error('ScanPool already started');
    const threads = Array.from({ length: this.size }, () => this.#spawn());
    this.#threads = threads.map((t) => t.thread);
    try {
      await Promise.all(threads.map((t) => t.ready));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  #spawn(): { thread: Thread; ready: Promise<void> } {
    const worker = new Worker(ENTRY, { workerData: this.#finder });
    const thread: Thread = { worker, busy: 0, pending: new Map() };
    const ready = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        thread.dead ??= error;
        reject(error);
        for (const p of thread.pending.values()) p.reject(error);
        thread.pending.clear();
      };
      worker.on('message', (message: ScanReply | { ready: true }) => {
        if ('ready' in message) return resolve();
        const p = thread.pending.get(message.id);
        if (!p) return;
        thread.pending.delete(message.id);
        thread.busy--;
        if ('error' in message) p.reject(new Error(`scan worker: ${message.error}`));
        else p.resolve({ findings: message.findings, undecodable: message.undecodable });
      });
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`scan worker exited (code ${code})`)));
    });
    return { thread, ready };
  }

  /**
   * Scans one flow's parts on the least busy thread. The parts are copied into buffers of their own
   * and transferred, so a part that is a view of a larger buffer does not send the whole of it.
   */
  scan(flow: Flow, roots: RootPart[]): Promise<PooledScan> {
    const live = this.#threads.filter((t) => !t.dead);
    const thread = live.reduce((a, b) => (b.busy < a.busy ? b : a), live[0]!);
    if (!thread) return Promise.reject(this.#threads[0]?.dead ?? new Error('ScanPool not started'));
    const id = this.#nextId++;
    const parts = roots.map((r) => ({ ...r, bytes: new Uint8Array(r.bytes) }));
    return new Promise<PooledScan>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.busy++;
      const request: ScanRequest = { id, flow, roots: parts };
      thread.worker.postMessage(request, parts.map((p) => p.bytes.buffer as ArrayBuffer));
    });
  }

  /** Ends the threads; scans still pending are rejected. */
  async stop(): Promise<void> {
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
