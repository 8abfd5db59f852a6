import { close, open, writev } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BodyBlobs } from './bodyBlobs.js';
import { INLINE_BODY_LIMIT, type BodyRef } from './types.js';

/** Bodies past this size stop being stored (the flow says `truncated`): a disk-filling upload is hostile input. */
export const MAX_STORED_BODY_BYTES = 1024 * 1024 * 1024;

/** A spool asks its producer to pause while more than this waits to reach the disk (a file being opened, a write in flight). */
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
 * Every disk operation runs on libuv's thread pool: a body's own file is opened there, and its
 * bytes are written there in batches of about WRITE_BATCH (one write in flight per body, at the
 * body's next position), so a slow or stalled disk holds only the bodies waiting on it, never the
 * event loop and every other connection with it (measured with bench/capture/slowDisk.ts: a
 * synchronous write of each batch stalled every connection for as long as the disk held it).
 * While bytes wait for the disk past SPOOL_HIGH_WATER, write() returns false and the producer
 * pauses until whenWritable(). finish() resolves only once every byte is written (in the kernel):
 * the flow line, and so the end of the response, come after it.
 * Memory per body stays under UNKNOWN_LENGTH_MEMORY + SPOOL_HIGH_WATER + one chunk whatever its size.
 */
export class BodySpool {
  #chunks: Buffer[] = [];
  /** Bytes received and not yet handed to a write. */
  #queued = 0;
  /** Bytes of the write in flight (0 when none is). */
  #inFlight = 0;
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
    return this.#waiting() <= SPOOL_HIGH_WATER;
  }

  /** Resolves once the bytes waiting for the disk are under SPOOL_HIGH_WATER again. */
  whenWritable(): Promise<void> {
    if (this.#waiting() <= SPOOL_HIGH_WATER || this.#state === 'failed') return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Marks the body incomplete (client aborted) without discarding what arrived. */
  markTruncated(): void {
    this.#truncated = true;
  }

  /** Bytes received and not yet in the kernel (queued, or in the write in flight). */
  #waiting(): number {
    return this.#queued + this.#inFlight;
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
      this.#wakeWriters();
      this.#wakeIfIdle();
    });
  }

  /**
   * Hands the queued chunks to one write at the body's next position, once a batch is full (or when
   * `force`) and no write of this body is in flight: one at a time keeps their order and positions.
   */
  #flush(force: boolean): void {
    if (this.#state !== 'open' || this.#inFlight > 0 || this.#chunks.length === 0 || (!force && this.#queued < WRITE_BATCH)) return;
    // Many tiny chunks: one buffer, so a single writev never exceeds the system's iovec limit.
    const chunks = this.#chunks.length > 256 ? [Buffer.concat(this.#chunks)] : this.#chunks;
    const bytes = this.#queued;
    this.#chunks = [];
    this.#queued = 0;
    this.#inFlight = bytes;
    const blob = !this.#ownFile;
    // A blob's descriptor is shared and closed by BodyBlobs: it waits for writes in flight.
    if (blob && !this.blobs.writeStarted()) {
      this.#inFlight = 0;
      return this.#fail(Object.assign(new Error('the capture folder was closed'), { code: 'ECLOSED' }));
    }
    writev(this.#fd!, chunks, this.#offset + this.#stored, (error, written) => {
      if (blob) this.blobs.writeEnded();
      this.#inFlight = 0;
      if (error) return this.#fail(error);
      this.#stored += written;
      // A regular file takes a whole write unless the disk is full (or the file too large).
      if (written < bytes) return this.#fail(Object.assign(new Error(`short write (${written} of ${bytes} bytes)`), { code: 'ENOSPC' }));
      this.#flush(this.#finished);
      this.#wakeWriters();
      this.#wakeIfIdle();
    });
  }

  #wakeWriters(): void {
    if (this.#waiting() <= SPOOL_HIGH_WATER) for (const wake of this.#drainWaiters.splice(0)) wake();
  }

  /** Idle: nothing more will be written (the body is inline, failed, or every byte is in the kernel). */
  #idle(): boolean {
    return this.#state === 'memory' || this.#state === 'failed' || (this.#state === 'open' && this.#inFlight === 0 && this.#chunks.length === 0);
  }

  #wakeIfIdle(): void {
    if (this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
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
    this.#flush(true);
    if (!this.#idle()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
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
 * A body that arrived in one piece (a WebSocket message), when it is stored inline (small, and not
 * `toFile`); undefined when it needs a file of its own (writeWholeBody).
 */
export function inlineWholeBody(bytes: Uint8Array, toFile = false): BodyRef | undefined {
  if (bytes.length === 0) return { size: 0 };
  if (bytes.length <= INLINE_BODY_LIMIT && !toFile) return { size: bytes.length, inline: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  return undefined;
}

/**
 * Writes a body that arrived in one piece to its own file, on libuv's thread pool (a slow disk
 * holds only this body's record, not the event loop); resolves with its reference once written.
 */
export async function writeWholeBody(dir: string, relativeFile: string, bytes: Uint8Array): Promise<BodyRef> {
  const stored = Math.min(bytes.length, MAX_STORED_BODY_BYTES);
  await writeFile(path.join(dir, relativeFile), bytes.subarray(0, stored), { mode: 0o644 });
  return { size: stored, file: relativeFile.split(path.sep).join('/'), ...(stored < bytes.length ? { truncated: true } : {}) };
}
