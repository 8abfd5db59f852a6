import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { cutOffFlowLine } from './cutOffLine.js';
import { flowFiles } from './flowFiles.js';
import { readJsonLines } from './jsonLines.js';
import { JsonlAppender } from './jsonlAppender.js';
import { CAPTURE_FILES, type BlindSpot, type BodyRef, type Flow, type Marker } from './types.js';
import { WebSocketAssembler } from './webSocketAssembler.js';

/** Default cap for readBody: callers that want more must say so. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Throws unless `dir` is a folder; a capture folder may be empty (nothing recorded yet). */
async function requireFolder(dir: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    throw new PhonehomeError(`capture folder ${dir} does not exist (pass the --out folder of a 'phonehome capture' run)`);
  }
  if (!s.isDirectory()) throw new PhonehomeError(`capture folder ${dir} is not a folder (pass the --out folder of a 'phonehome capture' run)`);
}

function requireRecord(file: string, index: number, value: unknown, fields: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PhonehomeError(`${file}: record ${index} is not a JSON object; the capture file is corrupted`);
  }
  const record = value as Record<string, unknown>;
  for (const field of fields) {
    if (record[field] === undefined) {
      throw new PhonehomeError(`${file}: record ${index} lacks '${field}'; the capture file is corrupted or not a phonehome capture`);
    }
  }
  return record;
}

/**
 * Flows in the order they completed. Tolerates a torn last line (a sidecar killed mid-write). A
 * WebSocket's records are joined into one Flow, yielded where it closed; one never closed comes
 * last, with `websocket.open` true and an `error` saying its later messages may be missing.
 * A folder recorded by several processes (ClusterSidecar: flows.<worker>.jsonl) is read as one:
 * the files are merged by completion time (endedAt), each file's own order kept.
 */
export async function* readFlows(dir: string): AsyncGenerator<Flow> {
  await requireFolder(dir);
  const files = (await flowFiles(dir)).filter((file, i) => i === 0 || existsSync(file));
  if (files.length === 1) {
    for await (const { flow } of flowsOfFile(files[0]!)) yield flow;
    return;
  }
  yield* mergeByKey(files.map((file) => flowsOfFile(file)));
}

/**
 * How many bytes of flow lines the capture folder holds so far, over every flows file (flows.jsonl
 * and a ClusterSidecar's flows.<worker>.jsonl alike): a cheap "has more traffic arrived" for
 * waiters that poll while a capture runs, without parsing a line. Missing files count as 0.
 */
export async function flowBytesWritten(dir: string): Promise<number> {
  let total = 0;
  for (const file of await flowFiles(dir)) total += (await stat(file).catch(() => undefined))?.size ?? 0;
  return total;
}

/** One flows file's flows, each with its merge key: endedAt, or Infinity for a socket never closed (those come last). */
async function* flowsOfFile(file: string): AsyncGenerator<{ flow: Flow; key: number }> {
  const sockets = new WebSocketAssembler(file);
  let index = 0;
  for await (const value of readJsonLines(file)) {
    index++;
    const record = requireRecord(file, index, value, []);
    if (record.record === undefined) requireRecord(file, index, value, ['id', 'startedAt', 'method', 'host', 'request']);
    const flow = sockets.add(record, index);
    if (flow) yield { flow, key: typeof flow.endedAt === 'number' ? flow.endedAt : flow.startedAt };
  }
  for (const flow of sockets.remaining()) yield { flow, key: Infinity };
}

/** K-way merge of streams each in (nearly) key order: the smallest head first, ties to the earlier stream. */
async function* mergeByKey(streams: Array<AsyncGenerator<{ flow: Flow; key: number }>>): AsyncGenerator<Flow> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done) continue;
        if (best < 0 || head.value.key < (heads[best]!.value as { key: number }).key) best = i;
      }
      if (best < 0) return;
      yield (heads[best]!.value as { flow: Flow }).flow;
      heads[best] = await streams[best]!.next();
    }
  } finally {
    // A consumer that stops early (break) closes every file, not only the one it was reading.
    await Promise.all(streams.map((s) => s.return(undefined)));
  }
}

/** The capture's blind spots, plus one for each flows file whose last line was cut off mid-write (see cutOffFlowLine). */
export async function readBlindSpots(dir: string): Promise<BlindSpot[]> {
  await requireFolder(dir);
  const file = path.join(dir, CAPTURE_FILES.blindSpots);
  const out: BlindSpot[] = [];
  for await (const value of readJsonLines(file)) {
    out.push(requireRecord(file, out.length + 1, value, ['time', 'reason']) as unknown as BlindSpot);
  }
  for (const file of await flowFiles(dir)) {
    const cutOff = await cutOffFlowLine(dir, file);
    if (cutOff) out.push(cutOff);
  }
  return out;
}

/** Markers sorted by time (the sidecar and the harness append to the same file). */
export async function readMarkers(dir: string): Promise<Marker[]> {
  await requireFolder(dir);
  const file = path.join(dir, CAPTURE_FILES.markers);
  const out: Marker[] = [];
  for await (const value of readJsonLines(file)) {
    out.push(requireRecord(file, out.length + 1, value, ['time', 'kind']) as unknown as Marker);
  }
  // Stable sort: lines written in the same millisecond keep file order.
  return out.sort((a, b) => a.time - b.time);
}

/**
 * The raw bytes of a body (still content-encoded). Throws PhonehomeError when the body is larger
 * than maxBytes, or when its file is missing or points outside the capture folder.
 */
export async function readBody(dir: string, ref: BodyRef, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  if (ref.inline !== undefined) {
    // base64 is 4 chars per 3 bytes: check before decoding so a hostile line cannot blow the cap.
    if (Math.floor((ref.inline.length * 3) / 4) > maxBytes + 2) throw tooLarge(dir, '(inline body)', ref.size, maxBytes);
    const bytes = Buffer.from(ref.inline, 'base64');
    if (bytes.length > maxBytes) throw tooLarge(dir, '(inline body)', bytes.length, maxBytes);
    return bytes;
  }
  if (ref.file === undefined) return Buffer.alloc(0);
  const root = path.resolve(dir);
  const file = path.resolve(root, ref.file);
  if (!file.startsWith(root + path.sep)) {
    throw new PhonehomeError(`body file '${ref.file}' points outside the capture folder ${dir}; the capture is corrupted or hostile`);
  }
  const offset = ref.offset;
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(ref.size) || ref.size < 0)) {
    throw new PhonehomeError(`body reference into '${ref.file}' has an invalid offset or size; the capture is corrupted`);
  }
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    throw new PhonehomeError(`body file ${file} is missing or unreadable (the capture folder is incomplete; copy the whole folder, bodies/ included)`);
  }
  try {
    const { size: fileSize } = await handle.stat();
    // A blob holds many bodies: this one is `size` bytes at `offset`. Otherwise the body is the whole file.
    const start = offset ?? 0;
    const size = offset === undefined ? fileSize : ref.size;
    if (size > maxBytes) throw tooLarge(dir, ref.file, size, maxBytes);
    if (start + size > fileSize) {
      throw new PhonehomeError(`body file ${file} ends before the body it should hold (bytes ${start}-${start + size}); the capture was cut short or is corrupted`);
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function tooLarge(dir: string, what: string, size: number, maxBytes: number): PhonehomeError {
  return new PhonehomeError(`body ${what} in ${dir} is ${size} bytes, over the ${maxBytes}-byte limit (pass a larger maxBytes to read it)`);
}

/**
 * Appends markers to a capture folder's markers.jsonl. Each marker is one write() on an O_APPEND
 * descriptor, so the sidecar's heartbeats and the harness's visit markers can share the file from
 * two processes without tearing each other's lines, and a marker is on disk once write() returns.
 */
export class MarkerWriter {
  readonly #out: JsonlAppender;

  constructor(dir: string) {
    this.#out = new JsonlAppender(path.join(dir, CAPTURE_FILES.markers));
  }

  get file(): string {
    return this.#out.file;
  }

  write(marker: Marker): void {
    this.#out.append(marker);
  }

  async close(): Promise<void> {
    this.#out.close();
  }
}
