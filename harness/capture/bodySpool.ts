import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { INLINE_BODY_LIMIT, type BodyRef } from './types.js';

/** Bodies past this size stop being stored (the flow says `truncated`): a disk-filling upload is hostile input. */
export const MAX_STORED_BODY_BYTES = 1024 * 1024 * 1024;

/**
 * Collects one body as its chunks arrive: in memory up to INLINE_BODY_LIMIT, then spilled to a file
 * under bodies/ and written chunk by chunk. Memory stays at most INLINE_BODY_LIMIT whatever the
 * body's size. writeSync is deliberate: while a chunk is being written no more data is read from the
 * socket, so a fast sender is slowed to disk speed instead of piling up in memory.
 */
export class BodySpool {
  #chunks: Buffer[] = [];
  #size = 0;
  #fd: number | undefined;
  #file: string | undefined;
  #truncated = false;
  #done = false;

  /** `relativeFile` is where the body goes if it outgrows memory, relative to `dir`. */
  constructor(
    private readonly dir: string,
    private readonly relativeFile: string,
    private readonly maxBytes: number = MAX_STORED_BODY_BYTES,
  ) {}

  get size(): number {
    return this.#size;
  }

  get done(): boolean {
    return this.#done;
  }

  write(chunk: Uint8Array): void {
    if (this.#done || chunk.length === 0) return;
    if (this.#size + chunk.length > this.maxBytes) {
      this.#truncated = true;
      chunk = chunk.subarray(0, Math.max(0, this.maxBytes - this.#size));
      if (chunk.length === 0) return;
    }
    this.#size += chunk.length;
    if (this.#fd !== undefined) {
      writeSync(this.#fd, chunk);
      return;
    }
    this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (this.#size > INLINE_BODY_LIMIT) this.#spill();
  }

  #spill(): void {
    this.#file = this.relativeFile;
    this.#fd = openSync(path.join(this.dir, this.relativeFile), 'w', 0o644);
    for (const chunk of this.#chunks) writeSync(this.#fd, chunk);
    this.#chunks = [];
  }

  /** Marks the body incomplete (client aborted) without discarding what arrived. */
  markTruncated(): void {
    this.#truncated = true;
  }

  /** Like finish(), but a non-empty body always goes to its file (a caller over its inline budget). */
  finishToFile(): BodyRef {
    if (this.#fd === undefined && this.#file === undefined && this.#size > 0) this.#spill();
    return this.finish();
  }

  /** Ends the body and returns its reference; further writes are ignored. */
  finish(): BodyRef {
    this.#done = true;
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
    const ref: BodyRef = { size: this.#size };
    if (this.#file !== undefined) ref.file = this.#file.split(path.sep).join('/');
    else if (this.#size > 0) ref.inline = Buffer.concat(this.#chunks).toString('base64');
    this.#chunks = [];
    if (this.#truncated) ref.truncated = true;
    return ref;
  }
}

/** A body that arrived in one piece (WebSocket message, own sink response). */
export function storeWholeBody(dir: string, relativeFile: string, bytes: Uint8Array): BodyRef {
  const spool = new BodySpool(dir, relativeFile);
  spool.write(bytes);
  return spool.finish();
}
