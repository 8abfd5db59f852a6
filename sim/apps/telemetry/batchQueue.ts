/**
 * One SDK queue: events wait here until `events` of them have gathered or `ms` have passed since
 * the first, then go out together. Bounded: past `maxEvents` the oldest are dropped (and counted),
 * as an SDK's local store would cap itself.
 */
export class BatchQueue<E> {
  private events: E[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;

  constructor(
    private readonly limits: { events?: number; ms?: number; maxEvents: number },
    private readonly send: (events: E[]) => void,
  ) {}

  get size(): number {
    return this.events.length;
  }

  /** Events dropped because the queue was full, since the last flush. */
  get droppedCount(): number {
    return this.dropped;
  }

  add(event: E): void {
    this.events.push(event);
    if (this.events.length > this.limits.maxEvents) {
      this.events.shift();
      this.dropped++;
    }
    if (this.limits.events !== undefined && this.events.length >= this.limits.events) {
      this.flush();
      return;
    }
    if (this.timer === null && this.limits.ms !== undefined) {
      this.timer = setTimeout(() => this.flush(), this.limits.ms);
      this.timer.unref();
    }
  }

  /** Sends whatever is queued now (no-op when empty). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.events.length === 0) return;
    const batch = this.events;
    this.events = [];
    this.dropped = 0;
    this.send(batch);
  }

  /** Drops queued events and the timer (process killed without a flush). */
  discard(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.events = [];
  }
}
