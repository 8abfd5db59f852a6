import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { BodyBlobs } from './bodyBlobs.js';
import { BodySpool, inlineWholeBody, writeWholeBody } from './bodySpool.js';
import { flowsFileName } from './flowFiles.js';
import { JsonlAppender } from './jsonlAppender.js';
import { makeFolder } from './makeFolder.js';
import { CAPTURE_FILES, type BlindSpot, type BodyRef, type FlowsFileRecord, type Marker } from './types.js';

/**
 * The writing side of a capture folder (layout in types.ts). Creates the folder and every file up
 * front, so an unwritable DIR fails at start with one clear line rather than at the first flow.
 */
export class CaptureFolder {
  readonly dir: string;
  readonly bodiesDir: string;
  readonly #flows: JsonlAppender;
  readonly #blindSpots: JsonlAppender;
  readonly #markers: JsonlAppender;
  readonly #blobs: BodyBlobs;

  /** `shard` names this writer's own flows file (flows.<shard>.jsonl) in a folder several processes record into. */
  constructor(dir: string, options: { shard?: string } = {}) {
    this.dir = path.resolve(dir);
    this.bodiesDir = path.join(this.dir, CAPTURE_FILES.bodies);
    try {
      makeFolder(this.bodiesDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new PhonehomeError(`cannot create capture folder ${this.dir}: ${code} (pass --out a folder you can write to)`);
    }
    this.#flows = new JsonlAppender(path.join(this.dir, flowsFileName(options.shard)));
    this.#blindSpots = new JsonlAppender(path.join(this.dir, CAPTURE_FILES.blindSpots));
    this.#markers = new JsonlAppender(path.join(this.dir, CAPTURE_FILES.markers));
    this.#blobs = new BodyBlobs(this.dir, CAPTURE_FILES.bodies);
  }

  /**
   * A spool for one streamed body (inline, a blob range, or bodies/<name> when large; see
   * BodySpool). `expectedSize` is the sender's declared length; disk failures go to `onError`.
   */
  bodySpool(name: string, options: { onError?: (error: Error) => void; expectedSize?: number } = {}): BodySpool {
    return new BodySpool(this.dir, path.join(CAPTURE_FILES.bodies, name), this.#blobs, options);
  }

  /** A body that arrived whole, when it is stored inline; undefined when it needs storeBody (large, or `toFile`). */
  inlineBody(bytes: Uint8Array, toFile = false): BodyRef | undefined {
    return inlineWholeBody(bytes, toFile);
  }

  /** Writes a body that arrived whole to bodies/<name>, off the event loop. Rejects on disk failure. */
  storeBody(name: string, bytes: Uint8Array): Promise<BodyRef> {
    return writeWholeBody(this.dir, path.join(CAPTURE_FILES.bodies, name), bytes);
  }

  /**
   * A Flow, or a WebSocket's message / close record (see types.ts). Resolves once the line is
   * written; the write runs off the event loop, so a slow disk holds only the exchanges waiting on it.
   */
  appendFlow(record: FlowsFileRecord): Promise<void> {
    return this.#flows.appendQueued(record);
  }

  appendBlindSpot(blindSpot: BlindSpot): void {
    this.#blindSpots.append(blindSpot);
  }

  appendMarker(marker: Marker): void {
    this.#markers.append(marker);
  }

  close(): void {
    this.#flows.close();
    this.#blindSpots.close();
    this.#markers.close();
    this.#blobs.close();
  }
}

