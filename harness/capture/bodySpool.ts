import { close, closeSync, open, openSync, writeSync, writevSync } from 'node:fs';
import path from 'node:path';
import type { BodyBlobs } from './bodyBlobs.js';
import { INLINE_BODY_LIMIT, type BodyRef } from './types.js';

/** Bodies past this size stop being stored (the flow says `truncated`): a disk-filling upload is hostile input. */
export const MAX_STORED_BODY_BYTES = 1024 * 1024 * 1024;

/** A spool asks its producer to pause while more than this waits to reach the disk (a file being opened). */
export const SPOOL_HIGH_WATER = 1024 * 1024;

/** Chunks are written out in batches of about this many bytes (and at the end of the body). */
const WRITE_BATCH = 256 * 1024;

/** Bodies of declared length up to this go into a shared blob file; longer ones get their own file. */
export const BLOB_BODY_MAX = 8 * 1024 * 1024;

/** A body of unknown length (chunked) is held in memory up to this, then written to a blob at its end. */
export const UNKNOWN_LENGTH_MEMORY = 256 * 1024;

type State = 'memory' | 'opening' | 'open' | 'failed';

/**
 * Collects one body as its chunks arrive and stores it:
 * - up to INLINE_BODY_LIMIT: inline in the flow line;
 * - declared length (Content-Length) up to BLOB_BODY_MAX, or unknown length that ends within
 *   UNKNOWN_LENGTH_MEMORY: a range of a shared blob file (see BodyBlobs), no file created;
 * - anything larger: its own file bodies/<name>.
 * Creating a file is the costly part (0.2-1 ms on a busy VM's ext4), so a body's own file is
 * opened on libuv's thread pool while its chunks queue (past SPOOL_HIGH_WATER write() returns false
 * and the producer pauses until whenWritable()). Writing is synchronous, batched by WRITE_BATCH:
 * handing each batch to the thread pool cost the relay more than the write itself (measured).
 * Memory per body stays under UNKNOWN_LENGTH_MEMORY + SPOOL_HIGH_WATER whatever its size.
 */
export class BodySpool {
  #chunks: Buffer[] = [];
  #queued = 0;
  #size = 0;
  #stored = 0;
  #state: State = 'memory';
  #fd: number | undefined;
  #ownFile = false;
  #file: string | undefined;
  /** Blob: the reserved range's start and length. Own file: 0 and Infinity. */
  #offset = 0;
  #capacity = Infinity;
  #truncated = false;
  #finished = false;
  #reported = false;
  #drainWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly dir: string,
    /** Its own file, relative to `dir`, if the body needs one. */
    private readonly relativeFile: string,
    private readonly blobs: BodyBlobs,
    private readonly options: {
      /** Told once if the disk fails this body (the body is then stored truncated). */
      onError?: (error: Error) => void;
      /** The length the sender declared, when it did. */
      expectedSize?: number;
      maxBytes?: number;
    } = {},
  ) {}

  /** Bytes received so far (stored or not). */
  get size(): number {
    return this.#size;
  }

  /** Takes a chunk; false means the producer should pause until whenWritable(). */
  write(chunk: Uint8Array): boolean {
    if (this.#finished || chunk.length === 0) return true;
    const maxBytes = Math.min(this.options.maxBytes ?? MAX_STORED_BODY_BYTES, this.#capacity);
    if (this.#size + chunk.length > maxBytes) {
      this.#truncated = true;
      chunk = chunk.subarray(0, Math.max(0, maxBytes - this.#size));
      if (chunk.length === 0) return true;
    }
    this.#size += chunk.length;
    if (this.#state === 'failed') return true;
    this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.#queued += chunk.length;
    if (this.#state === 'memory') {
      if (this.#size > INLINE_BODY_LIMIT) this.#leaveMemory();
      if (this.#state === 'memory') return true;
    }
    this.#flush(false);
    return this.#queued <= SPOOL_HIGH_WATER;
  }

  /** Resolves once the bytes waiting for the disk are under SPOOL_HIGH_WATER again. */
  whenWritable(): Promise<void> {
    if (this.#queued <= SPOOL_HIGH_WATER || this.#state === 'failed') return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Marks the body incomplete (client aborted) without discarding what arrived. */
  markTruncated(): void {
    this.#truncated = true;
  }

  /** Past the inline limit: a blob range when the length is known and fits, else (past the memory allowance) a file. */
  #leaveMemory(): void {
    const expected = this.options.expectedSize;
    if (expected !== undefined && expected >= this.#size && expected <= BLOB_BODY_MAX) this.#toBlob(expected);
    else if (expected !== undefined || this.#size > UNKNOWN_LENGTH_MEMORY) this.#toOwnFile();
  }

  #toBlob(size: number): void {
    try {
      const range = this.blobs.reserve(size);
      this.#fd = range.fd;
      this.#file = range.file;
      this.#offset = range.offset;
      this.#capacity = size;
      this.#state = 'open';
    } catch (error) {
      this.#fail(error as NodeJS.ErrnoException);
    }
  }

  #toOwnFile(): void {
    this.#state = 'opening';
    this.#ownFile = true;
    this.#file = this.relativeFile.split(path.sep).join('/');
    open(path.join(this.dir, this.relativeFile), 'w', 0o644, (error, fd) => {
      if (error) return this.#fail(error);
      this.#fd = fd;
      this.#state = 'open';
      this.#flush(this.#finished);
      for (const wake of [...this.#drainWaiters.splice(0), ...this.#idleWaiters.splice(0)]) wake();
    });
  }

  /** Writes the queued chunks at the body's next position once a batch is full (or when `force`). */
  #flush(force: boolean): void {
    if (this.#state !== 'open' || this.#chunks.length === 0 || (!force && this.#queued < WRITE_BATCH)) return;
    // Many tiny chunks: one buffer, so a single writev never exceeds the system's iovec limit.
    const chunks = this.#chunks.length > 256 ? [Buffer.concat(this.#chunks)] : this.#chunks;
    const bytes = this.#queued;
    this.#chunks = [];
    this.#queued = 0;
    try {
      const written = writevSync(this.#fd!, chunks, this.#offset + this.#stored);
      this.#stored += written;
      if (written < bytes) throw Object.assign(new Error(`short write (${written} of ${bytes} bytes)`), { code: 'ENOSPC' });
    } catch (error) {
      this.#fail(error as NodeJS.ErrnoException);
      return;
    }
    for (const wake of this.#drainWaiters.splice(0)) wake();
  }

  #fail(error: NodeJS.ErrnoException): void {
    this.#state = 'failed';
    this.#truncated = true;
    this.#chunks = [];
    this.#queued = 0;
    if (!this.#reported) {
      this.#reported = true;
      this.options.onError?.(new Error(`cannot store body ${this.#file ?? this.relativeFile}: ${error.code ?? error.message} (is the disk full?)`));
    }
    for (const wake of [...this.#drainWaiters.splice(0), ...this.#idleWaiters.splice(0)]) wake();
  }

  /**
   * Ends the body; resolves with its reference once every byte has been written to the kernel
   * (safe from a SIGKILL of this process). Further writes are ignored.
   */
  async finish(): Promise<BodyRef> {
    if (this.#finished) return this.#reference();
    this.#finished = true;
    // A body of unknown length that ended within the memory allowance: now its length is known.
    if (this.#state === 'memory' && this.#size > INLINE_BODY_LIMIT) this.#toBlob(this.#size);
    if (this.#state === 'opening') await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    this.#flush(true);
    if (this.#ownFile && this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      close(fd, () => {});
    }
    return this.#reference();
  }

  #reference(): BodyRef {
    if (this.#state === 'memory') {
      const ref: BodyRef = { size: this.#size };
      if (this.#size > 0) ref.inline = Buffer.concat(this.#chunks).toString('base64');
      if (this.#truncated) ref.truncated = true;
      return ref;
    }
    const ref: BodyRef = { size: this.#state === 'failed' ? this.#stored : this.#size };
    if (ref.size > 0 && this.#file !== undefined) {
      ref.file = this.#file;
      if (!this.#ownFile) ref.offset = this.#offset;
    }
    if (this.#truncated) ref.truncated = true;
    return ref;
  }
}

/**
 * A body that arrived in one piece (a WebSocket message), stored at once: inline when small
 * (unless `toFile`), else in its own file. Synchronous: the caller appends its record right after.
 */
export function storeWholeBody(dir: string, relativeFile: string, bytes: Uint8Array, toFile = false): BodyRef {
  if (bytes.length === 0) return { size: 0 };
  if (bytes.length <= INLINE_BODY_LIMIT && !toFile) return { size: bytes.length, inline: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  const stored = Math.min(bytes.length, MAX_STORED_BODY_BYTES);
  const fd = openSync(path.join(dir, relativeFile), 'w', 0o644);
  try {
    let offset = 0;
    while (offset < stored) offset += writeSync(fd, bytes, offset, stored - offset);
  } finally {
    closeSync(fd);
  }
  return { size: stored, file: relativeFile.split(path.sep).join('/'), ...(stored < bytes.length ? { truncated: true } : {}) };
}
