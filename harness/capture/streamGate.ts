/** What a gate needs of a readable: Node's Readable, or a stream adapter (HTTP/2 upstream response). */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
  readonly destroyed: boolean;
}

/**
 * Pauses a readable stream while any of its consumers (the peer socket, the body spool) asks it to
 * wait, and resumes it when the last of them is ready: backpressure from two places at once.
 */
export class StreamGate {
  #holds = 0;

  constructor(private readonly stream: Pausable) {}

  /** Keeps the stream paused until `ready` settles. */
  hold(ready: Promise<unknown>): void {
    if (this.#holds++ === 0) this.stream.pause();
    const release = () => {
      if (--this.#holds === 0 && !this.stream.destroyed) this.stream.resume();
    };
    ready.then(release, release);
  }
}

/** Resolves on the writable's next 'drain' (or when it closes, after which nothing will drain). */
export function drained(writable: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      writable.off('drain', done);
      writable.off('close', done);
      resolve();
    };
    writable.once('drain', done);
    writable.once('close', done);
  });
}
