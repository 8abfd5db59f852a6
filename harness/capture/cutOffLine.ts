import { open } from 'node:fs/promises';
import path from 'node:path';
import { CAPTURE_FILES, type BlindSpot } from './types.js';

/** How much of a cut-off line is read back to name its flow (the id, time and host come first). */
const HEAD_BYTES = 4096;

/**
 * A last line of a flows file (flows.jsonl, or a worker's flows.<shard>.jsonl) cut off mid-write: the normal state after the sidecar was killed.
 * readJsonLines skips it (the record never completed), but the exchange it held did happen and is
 * now seen only in part, so it is reported as a blind spot (`flow-cut-off`), with what its first
 * bytes still tell (flow id, start time, host). undefined when the file ends on a whole line.
 */
export async function cutOffFlowLine(dir: string, file: string = path.join(dir, CAPTURE_FILES.flows)): Promise<BlindSpot | undefined> {
  const name = path.basename(file);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined; // no flows file: nothing cut off
  }
  try {
    const { size, mtimeMs } = await handle.stat();
    if (size === 0) return undefined;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return undefined;
    // Find where the last line starts, reading back in chunks.
    let start = 0;
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const from = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - from, from);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl !== -1) {
        start = from + nl + 1;
        break;
      }
      end = from;
    }
    const length = size - start;
    const whole = Buffer.alloc(Math.min(length, 1024 * 1024));
    await handle.read(whole, 0, whole.length, start);
    if (whole.length === length) {
      try {
        JSON.parse(whole.toString('utf8'));
        return undefined; // a complete last line without its newline
      } catch {
        /* cut off */
      }
    }
    const head = whole.subarray(0, HEAD_BYTES).toString('utf8');
    const id = /"id":"([^"]{1,200})"/.exec(head)?.[1];
    const startedAt = Number(/"startedAt":(\d{10,16})/.exec(head)?.[1] ?? NaN);
    const host = /"host":"([^"]{1,300})"/.exec(head)?.[1];
    return {
      id: `cut-off-${id ?? (name === CAPTURE_FILES.flows ? 'last-line' : `last-line-of-${name}`)}`,
      time: Number.isFinite(startedAt) ? startedAt : Math.floor(mtimeMs),
      reason: 'flow-cut-off',
      ...(host ? { host } : {}),
      ...(id ? { flowId: id } : {}),
      detail: `the last line of ${name} (${length} bytes) was cut off mid-write, as when the capture is killed: that exchange is recorded only in part and not searched`,
    };
  } finally {
    await handle.close();
  }
}
