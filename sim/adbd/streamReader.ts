import type { Readable } from 'node:stream';

export class EndOfStreamError extends Error {}

/**
 * Reads exact byte counts from a stream (the sync protocol's fixed-size requests). The stream is
 * paused while nobody is waiting and more than `highWater` bytes are buffered, so memory stays bounded.
 */
export class StreamReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private waiter: (() => void) | null = null;
  private readonly stream: Readable;
  private readonly highWater: number;

  constructor(stream: Readable, highWater = 256 * 1024) {
    this.stream = stream;
    this.highWater = highWater;
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered > this.highWater) stream.pause();
      this.wake();
    });
    const finish = () => {
      this.ended = true;
      this.wake();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      if (this.ended) throw new EndOfStreamError(`stream ended with ${this.buffered} of ${n} bytes`);
      this.stream.resume();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    if (this.buffered <= this.highWater) this.stream.resume();
    return out;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
