import { closeSync, openSync, write, writeSync } from 'node:fs';
import { PhonehomeError } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends JSON records to a file, one line per write() on an O_APPEND descriptor, so lines from two
 * processes sharing the file never interleave.
 * - append(): synchronous: the record is in the kernel once it returns, so a SIGKILL right after
 *   loses nothing (markers, blind spots: rare and small).
 * - appendQueued(): the same guarantee once its promise resolves, but the write runs on libuv's
 *   thread pool, so a slow or stalled disk holds only the callers waiting for their lines (for flows:
 *   the exchanges whose responses must not end before their line is written), not the event loop
 *   and every other connection with it. Lines queued while a write is in flight go out together in
 *   the next one (one write() for the batch: a group commit), one write in flight at a time, so the
 *   file keeps their order. Measured with bench/capture/slowDisk.ts.
 */
export class JsonlAppender {
  readonly file: string;
  #fd: number | undefined;
  #batch: string[] = [];
  #waiters: Waiter[] = [];
  #writing = false;
  #closing = false;

  constructor(file: string) {
    this.file = file;
    try {
      this.#fd = openSync(file, 'a', 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new PhonehomeError(`cannot write ${file}: ${code} (choose a folder you can write to)`);
    }
  }

  get closed(): boolean {
    return this.#fd === undefined || this.#closing;
  }

  append(record: unknown): void {
    if (this.closed) throw this.#closedError();
    writeSync(this.#fd!, JSON.stringify(record) + '\n');
  }

  /** Resolves once the record's line is written (in the kernel); rejects with the write's error. */
  appendQueued(record: unknown): Promise<void> {
    if (this.closed) return Promise.reject(this.#closedError());
    const line = JSON.stringify(record) + '\n';
    return new Promise<void>((resolve, reject) => {
      this.#batch.push(line);
      this.#waiters.push({ resolve, reject });
      if (!this.#writing) this.#writeBatch();
    });
  }

  #writeBatch(): void {
    const bytes = Buffer.from(this.#batch.length === 1 ? this.#batch[0]! : this.#batch.join(''));
    const waiters = this.#waiters;
    this.#batch = [];
    this.#waiters = [];
    this.#writing = true;
    const fd = this.#fd!;
    const done = (error: Error | null) => {
      this.#writing = false;
      for (const w of waiters) {
        if (error) w.reject(error);
        else w.resolve();
      }
      if (this.#batch.length > 0) this.#writeBatch();
      else if (this.#closing) this.#closeNow();
    };
    // A short write (a signal, a full disk) continues from where it stopped.
    const from = (offset: number) =>
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        if (error) return done(error);
        if (offset + written < bytes.length) return from(offset + written);
        done(null);
      });
    from(0);
  }

  /** Closes the file; lines still queued are written first (the descriptor closes after them). */
  close(): void {
    if (this.#fd === undefined || this.#closing) return;
    this.#closing = true;
    if (!this.#writing) this.#closeNow();
  }

  #closeNow(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  #closedError(): PhonehomeError {
    return new PhonehomeError(`${this.file} is closed; nothing more can be appended`);
  }
}
