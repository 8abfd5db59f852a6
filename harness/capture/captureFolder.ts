import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { BodySpool } from './bodySpool.js';
import { JsonlAppender } from './jsonlAppender.js';
import { makeFolder } from './makeFolder.js';
import { CAPTURE_FILES, type BlindSpot, type Flow, type Marker } from './types.js';

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

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.bodiesDir = path.join(this.dir, CAPTURE_FILES.bodies);
    try {
      makeFolder(this.bodiesDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new PhonehomeError(`cannot create capture folder ${this.dir}: ${code} (pass --out a folder you can write to)`);
    }
    this.#flows = new JsonlAppender(path.join(this.dir, CAPTURE_FILES.flows));
    this.#blindSpots = new JsonlAppender(path.join(this.dir, CAPTURE_FILES.blindSpots));
    this.#markers = new JsonlAppender(path.join(this.dir, CAPTURE_FILES.markers));
  }

  /** A spool for one body; it moves to bodies/<name> if it outgrows memory. */
  bodySpool(name: string): BodySpool {
    return new BodySpool(this.dir, path.join(CAPTURE_FILES.bodies, name));
  }

  appendFlow(flow: Flow): void {
    this.#flows.append(flow);
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
  }
}

