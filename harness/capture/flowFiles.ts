import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { CAPTURE_FILES } from './types.js';

/** A shard name: what tells one writer's flows file from another's in a shared capture folder. */
const SHARD = /^[A-Za-z0-9_-]{1,40}$/;
/** flows.<shard>.jsonl */
const SHARD_FILE = /^flows\.([A-Za-z0-9_-]{1,40})\.jsonl$/;

/**
 * The flows file a writer appends to: flows.jsonl, or flows.<shard>.jsonl when several processes
 * record into one folder (ClusterSidecar's workers). Each writer has its own file so a SIGKILL that
 * tears a line mid-write tears the LAST line of that file, which every reader tolerates: in one
 * shared file the torn line would be followed by another writer's lines (a write() of more than a
 * page can be cut short by a fatal signal between pages).
 */
export function flowsFileName(shard?: string): string {
  if (shard === undefined) return CAPTURE_FILES.flows;
  if (!SHARD.test(shard)) throw new PhonehomeError(`capture shard name '${shard.slice(0, 60)}' must be 1-40 letters, digits, '-' or '_'`);
  return `flows.${shard}.jsonl`;
}

/** Natural order of shard names ('2' before '10'), so the files list the same way every time. */
function byShard(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Every flows file of a capture folder, as absolute paths: flows.jsonl first (when present), then
 * flows.<shard>.jsonl in natural order. A folder written by one sidecar has just flows.jsonl.
 */
export async function flowFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [path.join(dir, CAPTURE_FILES.flows)];
  }
  const shards = names.map((n) => SHARD_FILE.exec(n)?.[1]).filter((s): s is string => s !== undefined).sort(byShard);
  return [path.join(dir, CAPTURE_FILES.flows), ...shards.map((s) => path.join(dir, flowsFileName(s)))];
}
