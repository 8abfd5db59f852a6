import { open } from 'node:fs/promises';
import { PhonehomeError } from '../errors.js';

/**
 * A capture line is at most this long. Inline bodies are capped at INLINE_BODY_LIMIT and the
 * sidecar bounds WebSocket message lists, so a longer line means a hostile or broken file.
 */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;

const CHUNK = 256 * 1024;

/**
 * Yields the parsed JSON value of each line of an append-only JSON Lines file.
 * A torn last line (no trailing newline and not parseable: the writer was killed mid-write) is
 * skipped; an unparseable line elsewhere is an error naming the file and line. A missing file
 * yields nothing. Memory is bounded by MAX_LINE_BYTES.
 */
export async function* readJsonLines(file: string): AsyncGenerator<unknown> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new PhonehomeError(`cannot read ${file}: ${(error as Error).message} (check the path and its permissions)`);
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let lineNo = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (;;) {
        const nl = buffer.indexOf(0x0a, start);
        if (nl === -1 || nl >= bytesRead) break;
        const piece = buffer.subarray(start, nl);
        const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        lineNo++;
        start = nl + 1;
        if (line.length > MAX_LINE_BYTES) throw tooLong(file, lineNo);
        if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) continue;
        yield parseLine(file, lineNo, line);
      }
      if (start < bytesRead) {
        // Copy: `buffer` is reused for the next read.
        pending.push(Buffer.from(buffer.subarray(start, bytesRead)));
        pendingBytes += bytesRead - start;
        if (pendingBytes > MAX_LINE_BYTES) throw tooLong(file, lineNo + 1);
      }
    }
    if (pendingBytes > 0) {
      // No trailing newline: either a complete last line, or one torn by a kill mid-write.
      try {
        yield JSON.parse(Buffer.concat(pending).toString('utf8'));
      } catch {
        /* torn last line: the record never completed, so it was never promised */
      }
    }
  } finally {
    await handle.close();
  }
}

function parseLine(file: string, lineNo: number, line: Buffer): unknown {
  try {
    return JSON.parse(line.toString('utf8'));
  } catch (error) {
    throw new PhonehomeError(
      `${file}:${lineNo}: not valid JSON (${(error as Error).message}); the capture file is corrupted — remove or repair that line`,
    );
  }
}

function tooLong(file: string, lineNo: number): PhonehomeError {
  return new PhonehomeError(
    `${file}:${lineNo}: line longer than ${MAX_LINE_BYTES} bytes; this is not a phonehome capture file (or it is corrupted)`,
  );
}
