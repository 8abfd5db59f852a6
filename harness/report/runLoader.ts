import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readFlows } from '../capture/index.js';
import { PhonehomeError } from '../errors.js';
import { buildRunRecord } from './buildRunRecord.js';
import { openRunFolder, type RunFolder } from './runFolder.js';
import { runRecordErrors } from './runJson.js';
import type { RunRecord } from './types.js';

/** run.json larger than this is not read whole (a hostile or wrong file); the run is rebuilt from its capture instead. */
export const MAX_RUN_JSON_BYTES = 256 * 1024 * 1024;
/** Distinct hosts kept per run: more is a hostile capture, and the diff says so. */
export const MAX_HOSTS = 100_000;

export interface LoadedRun {
  folder: RunFolder;
  run: RunRecord;
}

/**
 * A run folder's record: its run.json when present and valid, else rebuilt from the raw capture
 * and journal (a killed run has no run.json). A run.json that does not match its schema is an
 * error naming the file: `phonehome report DIR` rewrites it.
 */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const folder = await openRunFolder(dir);
  const s = await stat(folder.runJson).catch(() => undefined);
  if (!s?.isFile() || s.size > MAX_RUN_JSON_BYTES) return { folder, run: await buildRunRecord(folder) };
  let data: unknown;
  try {
    data = JSON.parse(await readFile(folder.runJson, 'utf8'));
  } catch (error) {
    throw new PhonehomeError(`${path.join(dir, 'run.json')}: not valid JSON (${(error as Error).message}); rebuild it with 'phonehome report ${dir}'`);
  }
  const errors = runRecordErrors(data);
  if (errors.length > 0) throw new PhonehomeError(`${path.join(dir, 'run.json')}: does not match run.schema.json (${errors[0]}); rebuild it with 'phonehome report ${dir}'`);
  return { folder, run: data as RunRecord };
}

/** Hosts the phones of a run contacted (every flow of every capture), streamed, bounded. */
export async function destinationHosts({ folder, run }: LoadedRun): Promise<{ hosts: Set<string>; truncated: boolean }> {
  const hosts = new Set<string>();
  let truncated = false;
  for (const capture of run.captures) {
    const dir = path.resolve(folder.dir, capture.dir);
    // run.json may have been edited: a capture dir outside the run folder is not read.
    if (!dir.startsWith(folder.dir + path.sep)) throw new PhonehomeError(`${folder.runJson}: capture '${capture.dir}' of ${capture.device} points outside the run folder; rebuild run.json with 'phonehome report'`);
    for await (const flow of readFlows(dir)) {
      if (hosts.size >= MAX_HOSTS && !hosts.has(flow.host)) {
        truncated = true;
        continue;
      }
      hosts.add(flow.host);
    }
  }
  return { hosts, truncated };
}
