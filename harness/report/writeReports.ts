import { rename, writeFile } from 'node:fs/promises';
import { PhonehomeError } from '../errors.js';
import { buildRunRecord } from './buildRunRecord.js';
import { writeHar } from './harFile.js';
import { renderHtml } from './htmlReport.js';
import { renderJunit } from './junitXml.js';
import { renderRunJson } from './runJson.js';
import type { RunFolder } from './runFolder.js';
import type { RunRecord } from './types.js';

/**
 * Writes every derived report file of a run folder from its raw material (run.json, junit.xml,
 * traffic.har, index.html). Each file is written beside its final name and renamed over it, so a
 * reader (or a second `phonehome report`) never sees half a report.
 */
export async function writeReports(folder: RunFolder): Promise<RunRecord> {
  const run = await buildRunRecord(folder);
  await atomicWrite(folder.runJson, renderRunJson(run));
  await atomicWrite(folder.junit, renderJunit(run));
  await writeHar(folder, run, folder.har);
  await atomicWrite(folder.html, renderHtml(run));
  return run;
}

export async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (error) {
    throw new PhonehomeError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (is the run folder writable?)`);
  }
}
