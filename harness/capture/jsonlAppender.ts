import { closeSync, openSync, writeSync } from 'node:fs';
import { PhonehomeError } from '../errors.js';

/**
 * Appends JSON records to a file, one line per write() on an O_APPEND descriptor. Synchronous on
 * purpose: a record is in the kernel once append() returns, so a SIGKILL right after loses nothing,
 * and lines from two processes sharing the file never interleave.
 */
export class JsonlAppender {
  readonly file: string;
  #fd: number | undefined;

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
    return this.#fd === undefined;
  }

  append(record: unknown): void {
    if (this.#fd === undefined) throw new PhonehomeError(`${this.file} is closed; nothing more can be appended`);
    writeSync(this.#fd, JSON.stringify(record) + '\n');
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}
