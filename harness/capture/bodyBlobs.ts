import { randomBytes } from 'node:crypto';
import { close, closeSync, openSync } from 'node:fs';
import path from 'node:path';

/** A blob file takes bodies until it reaches this size; the next one is then started. */
export const BLOB_FILE_BYTES = 1024 * 1024 * 1024;

/** A byte range reserved for one body in a blob file. */
export interface BlobRange {
  fd: number;
  /** Path of the blob file relative to the capture folder, '/'-separated (as BodyRef.file). */
  file: string;
  offset: number;
}

/**
 * Shared files under bodies/ that hold many bodies, each at its own offset (BodyRef.offset).
 * Creating a file per body costs more CPU than relaying a 100 KB response on a busy VM; a blob
 * file is created once and each body only reserves its range, so bodies arriving at the same time
 * are written in parallel without interleaving. Names carry a random tag: two sidecars writing
 * into the same capture folder never share a blob.
 */
export class BodyBlobs {
  readonly #tag = randomBytes(4).toString('hex');
  #sequence = 0;
  #current: { fd: number; file: string; used: number } | undefined;
  readonly #retired: number[] = [];
  /** Writes in flight on the thread pool (BodySpool): a descriptor is closed only once none is. */
  #writes = 0;
  #closing = false;
  #closed = false;

  constructor(
    private readonly dir: string,
    private readonly bodiesFolder: string,
  ) {}

  /** Reserves `size` bytes; throws (ENOSPC, EMFILE …) when no blob file can be created. */
  reserve(size: number): BlobRange {
    let current = this.#current;
    if (!current || current.used + size > BLOB_FILE_BYTES) {
      if (current) this.#retired.push(current.fd);
      const file = path.join(this.bodiesFolder, `blob-${this.#tag}-${++this.#sequence}.bin`);
      current = { fd: openSync(path.join(this.dir, file), 'w', 0o644), file: file.split(path.sep).join('/'), used: 0 };
      this.#current = current;
    }
    const range = { fd: current.fd, file: current.file, offset: current.used };
    current.used += size;
    return range;
  }

  /** Counts a write about to start on a blob's descriptor; false once the files are closed (it must not start). */
  writeStarted(): boolean {
    if (this.#closed) return false;
    this.#writes++;
    return true;
  }

  writeEnded(): void {
    if (--this.#writes === 0 && this.#closing) this.#closeNow();
  }

  /**
   * Closes the blob files, once the writes in flight have ended: closing a descriptor under a write
   * could let a file opened meanwhile reuse its number and receive that write.
   */
  close(): void {
    this.#closing = true;
    if (this.#writes === 0) this.#closeNow();
  }

  #closeNow(): void {
    this.#closed = true;
    if (this.#current) this.#retired.push(this.#current.fd);
    this.#current = undefined;
    for (const fd of this.#retired.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        close(fd, () => {});
      }
    }
  }
}
