import type { Readable, Writable } from 'node:stream';

/** Where a command writes (the process's stdout/stderr, a file being redirected into, /dev/null). */
export interface OutputSink {
  write(data: Buffer | string): Promise<void>;
}

export const NULL_SINK: OutputSink = { write: async () => undefined };

/** Writes to a Node stream, waiting for drain; once the stream is gone, output is dropped. */
export class StreamSink implements OutputSink {
  private readonly stream: Writable;
  constructor(stream: Writable) {
    this.stream = stream;
  }
  async write(data: Buffer | string): Promise<void> {
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded || data.length === 0) return;
    if (stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  }
}

export class OutputLimitError extends Error {}

/** Collects output in memory (pipes, redirections to files), up to a bound. */
export class BufferSink implements OutputSink {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly limit: number;
  constructor(limit = 64 * 1024 * 1024) {
    this.limit = limit;
  }
  async write(data: Buffer | string): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    this.size += buffer.length;
    if (this.size > this.limit) throw new OutputLimitError(`output exceeds ${this.limit} bytes`);
    this.chunks.push(buffer);
  }
  contents(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** What a command reads: the host's stdin, a file, or the previous pipeline stage. */
export interface InputSource {
  /** Next chunk, or null at end of input. */
  read(): Promise<Buffer | null>;
}

export const EMPTY_INPUT: InputSource = { read: async () => null };

export function bufferInput(data: Buffer): InputSource {
  let done = false;
  return {
    read: async () => {
      if (done || data.length === 0) return null;
      done = true;
      return data;
    },
  };
}

export function streamInput(stream: Readable, signal: AbortSignal): InputSource {
  const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let ended = false;
  return {
    read: async () => {
      if (ended || signal.aborted) return null;
      const aborted = new Promise<IteratorResult<Buffer>>((resolve) => signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true }));
      const result = await Promise.race([iterator.next(), aborted]);
      if (result.done) {
        ended = true;
        return null;
      }
      return typeof result.value === 'string' ? Buffer.from(result.value) : result.value;
    },
  };
}

/** Reads exactly `size` bytes (fewer if input ends first). */
export async function readBytes(input: InputSource, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let pending: Buffer | null = null;
  while (total < size) {
    pending = await input.read();
    if (!pending) break;
    chunks.push(pending);
    total += pending.length;
  }
  return Buffer.concat(chunks).subarray(0, size);
}

export async function readAll(input: InputSource, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = await input.read();
    if (!chunk) break;
    total += chunk.length;
    if (total > limit) throw new OutputLimitError(`input exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
