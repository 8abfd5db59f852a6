import { EventEmitter } from 'node:events';
import { PhonehomeError } from '../errors.js';

/** A phone the pool may use: its name and its match key (see matchKey in deviceSelection.ts). */
export interface PoolPhoneSpec {
  name: string;
  key: string;
}

/** One unit of work: runs on one phone whose key equals `key`. */
export interface WorkItem<U> {
  id: string;
  key: string;
  unit: U;
  /** 1 for the first try, 2 for the retry after a lost phone. */
  attempt: number;
  /** Phones this item must not go to (the ones it was lost on). */
  exclude: readonly string[];
}

/** What one attempt came to: done (whatever the tests said), or the phone was lost mid-way. */
export type AttemptResult<U> =
  | { lost: false }
  | { lost: true; reason: string; /** the part of the unit that did not finish; undefined: nothing left */ unfinished: U | undefined };

export interface DevicePoolOptions<U, P> {
  /** Candidate phones in preference order. */
  phones: readonly PoolPhoneSpec[];
  /** At most this many phones rigged at once. */
  parallel: number;
  /** Rigs a phone (start, connect, capture, provision). Throwing quarantines the phone. */
  start(spec: PoolPhoneSpec): Promise<P>;
  /** Undoes start(); also called on quarantined phones (best effort). */
  stop(spec: PoolPhoneSpec, phone: P): Promise<void>;
  /** Runs one item on one phone. Throwing counts as losing the phone. */
  run(item: WorkItem<U>, phone: P, spec: PoolPhoneSpec): Promise<AttemptResult<U>>;
  /** Whether a phone may take an item (same model and app version for a retry); default yes. */
  accepts?(item: WorkItem<U>, phone: P, spec: PoolPhoneSpec): boolean;
}

export interface PoolEvents<U> {
  'phone-started': [spec: PoolPhoneSpec];
  'phone-stopped': [spec: PoolPhoneSpec];
  'phone-quarantined': [spec: PoolPhoneSpec, reason: string];
  'item-started': [item: WorkItem<U>, spec: PoolPhoneSpec];
  'item-finished': [item: WorkItem<U>, spec: PoolPhoneSpec];
  /** The item's phone was lost; `retry` is the unfinished part queued for another phone. */
  'item-lost': [item: WorkItem<U>, spec: PoolPhoneSpec, reason: string, retry: WorkItem<U> | undefined];
  /** Work that no phone is left to do: it stays unobserved, never passed. */
  'item-abandoned': [item: WorkItem<U>, reason: string];
}

export interface PoolOutcome<U> {
  abandoned: Array<{ item: WorkItem<U>; reason: string }>;
  quarantined: Array<{ phone: string; reason: string }>;
}

type PhoneState = 'waiting' | 'starting' | 'ready' | 'busy' | 'stopping' | 'stopped' | 'quarantined';

interface Slot<P> {
  spec: PoolPhoneSpec;
  state: PhoneState;
  phone?: P;
}

/**
 * Spreads work items over phones: at most `parallel` phones rigged at once, each taking the next
 * item for its match key. A phone whose attempt is lost is quarantined (never used again in the
 * run); the unfinished part of its item is retried once on another phone with the same key that
 * accepts it. Work no phone can take is abandoned and reported, never dropped silently.
 */
export class DevicePool<U, P> extends EventEmitter<PoolEvents<U>> {
  readonly #options: DevicePoolOptions<U, P>;
  readonly #slots: Slot<P>[];
  #pending: WorkItem<U>[] = [];
  readonly #inFlight = new Set<WorkItem<U>>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #outcome: PoolOutcome<U> = { abandoned: [], quarantined: [] };
  #used = false;

  constructor(options: DevicePoolOptions<U, P>) {
    super();
    if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new PhonehomeError(`--parallel must be a whole number of phones >= 1, got ${options.parallel}`);
    const names = new Set<string>();
    for (const p of options.phones) {
      if (names.has(p.name)) throw new PhonehomeError(`device pool: phone '${p.name}' is listed twice`);
      names.add(p.name);
    }
    this.#options = options;
    this.#slots = options.phones.map((spec) => ({ spec, state: 'waiting' }));
  }

  /** Runs every item to the end (done, retried, or abandoned); resolves when all phones are stopped. */
  async run(items: ReadonlyArray<{ id: string; key: string; unit: U }>): Promise<PoolOutcome<U>> {
    if (this.#used) throw new PhonehomeError('device pool: run() was already called; make a new pool per run');
    this.#used = true;
    this.#pending = items.map((i) => ({ ...i, attempt: 1, exclude: [] }));
    for (;;) {
      this.#schedule();
      if (this.#tasks.size === 0) break;
      await Promise.race(this.#tasks);
    }
    for (const item of this.#pending.splice(0)) this.#abandon(item, `no phone matching ${describeKey(item.key)} could take it`);
    return this.#outcome;
  }

  #schedule(): void {
    // 1. Idle phones take the next item they may run.
    for (const slot of this.#slots) {
      if (slot.state !== 'ready') continue;
      const item = this.#pending.find((i) => this.#fits(i, slot) && (this.#options.accepts?.(i, slot.phone!, slot.spec) ?? true));
      if (item) this.#dispatch(item, slot);
    }
    // 2. Free lanes start phones that have work waiting.
    let active = this.#slots.filter((s) => s.state === 'starting' || s.state === 'ready' || s.state === 'busy' || s.state === 'stopping').length;
    for (const slot of this.#slots) {
      if (active >= this.#options.parallel) break;
      if ((slot.state === 'waiting' || slot.state === 'stopped') && this.#pending.some((i) => this.#fits(i, slot))) {
        this.#start(slot);
        active++;
      }
    }
    // 3. Idle phones with nothing left for their key let go of their lane (a retry of an item still
    //    in flight on a sibling could need them, so they wait while one is).
    for (const slot of this.#slots) {
      if (slot.state !== 'ready') continue;
      const wanted = this.#pending.some((i) => this.#fits(i, slot)) || [...this.#inFlight].some((i) => i.key === slot.spec.key);
      if (!wanted) this.#stop(slot, 'stopped');
    }
    // 4. Items no phone can take, now or later, are abandoned.
    for (const item of [...this.#pending]) {
      const candidates = this.#slots.filter((s) => this.#fits(item, s) && s.state !== 'quarantined');
      const someoneMay = candidates.some((s) => s.state !== 'ready' || (this.#options.accepts?.(item, s.phone!, s.spec) ?? true));
      if (!someoneMay) {
        this.#pending.splice(this.#pending.indexOf(item), 1);
        const quarantined = this.#outcome.quarantined.map((q) => q.phone);
        const reason = candidates.length > 0
          ? `the phones matching ${describeKey(item.key)} that are left (${candidates.map((c) => c.spec.name).join(', ')}) differ in model or app version from the one it was lost on`
          : `no phone matching ${describeKey(item.key)} is left${quarantined.length > 0 ? ` (quarantined: ${quarantined.join(', ')})` : ''}`;
        this.#abandon(item, reason);
      }
    }
  }

  #fits(item: WorkItem<U>, slot: Slot<P>): boolean {
    return item.key === slot.spec.key && !item.exclude.includes(slot.spec.name);
  }

  #track(task: Promise<void>): void {
    const tracked: Promise<void> = task.finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }

  #start(slot: Slot<P>): void {
    slot.state = 'starting';
    this.#track(
      this.#options.start(slot.spec).then(
        (phone) => {
          slot.phone = phone;
          slot.state = 'ready';
          this.emit('phone-started', slot.spec);
        },
        (error: unknown) => this.#quarantine(slot, `did not start: ${message(error)}`),
      ),
    );
  }

  #dispatch(item: WorkItem<U>, slot: Slot<P>): void {
    this.#pending.splice(this.#pending.indexOf(item), 1);
    this.#inFlight.add(item);
    slot.state = 'busy';
    this.emit('item-started', item, slot.spec);
    const attempt = (async (): Promise<AttemptResult<U>> => {
      try {
        return await this.#options.run(item, slot.phone!, slot.spec);
      } catch (error) {
        return { lost: true, reason: message(error), unfinished: item.unit };
      }
    })();
    this.#track(
      attempt.then((result) => {
        this.#inFlight.delete(item);
        if (!result.lost) {
          slot.state = 'ready';
          this.emit('item-finished', item, slot.spec);
          return;
        }
        let retry: WorkItem<U> | undefined;
        if (result.unfinished !== undefined && item.attempt < 2) {
          retry = { id: item.id, key: item.key, unit: result.unfinished, attempt: item.attempt + 1, exclude: [...item.exclude, slot.spec.name] };
          // Retries go first: they are the oldest work.
          this.#pending.unshift(retry);
        }
        this.emit('item-lost', item, slot.spec, result.reason, retry);
        if (result.unfinished !== undefined && !retry) {
          this.#abandon({ ...item, unit: result.unfinished }, `lost twice (last on ${slot.spec.name}: ${result.reason})`);
        }
        this.#quarantine(slot, result.reason);
      }),
    );
  }

  #quarantine(slot: Slot<P>, reason: string): void {
    const phone = slot.phone;
    slot.state = 'quarantined';
    slot.phone = undefined;
    this.#outcome.quarantined.push({ phone: slot.spec.name, reason });
    this.emit('phone-quarantined', slot.spec, reason);
    if (phone !== undefined) this.#track(this.#options.stop(slot.spec, phone).catch(() => undefined));
  }

  #stop(slot: Slot<P>, then: 'stopped'): void {
    const phone = slot.phone!;
    slot.state = 'stopping';
    this.#track(
      this.#options.stop(slot.spec, phone).then(
        () => {
          slot.phone = undefined;
          slot.state = then;
          this.emit('phone-stopped', slot.spec);
        },
        (error: unknown) => this.#quarantine(slot, `did not stop cleanly: ${message(error)}`),
      ),
    );
  }

  #abandon(item: WorkItem<U>, reason: string): void {
    this.#outcome.abandoned.push({ item, reason });
    this.emit('item-abandoned', item, reason);
  }
}

function describeKey(key: string): string {
  return key.startsWith('tags:') ? `tags [${key.slice(5)}]` : key.startsWith('device:') ? `'${key.slice(7)}' (untagged phones match only themselves)` : key;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}
