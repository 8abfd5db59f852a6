import { renderHtml } from './htmlReport.js';
import type { RunFolder } from './runFolder.js';
import type { RunDiff, RunRecord } from './types.js';
import { atomicWrite, writeReports } from './writeReports.js';
import { diffRuns } from './runDiff.js';
import { loadRun } from './runLoader.js';

/**
 * Writes a run folder's reports; with a baseline run folder, index.html also shows what changed
 * since it (new leaks, leaks that stopped, new hosts, app versions, blind spots).
 */
export async function writeReportsWithBaseline(folder: RunFolder, baselineDir: string | undefined): Promise<{ run: RunRecord; diff?: RunDiff }> {
  if (baselineDir === undefined) return { run: await writeReports(folder) };
  // Read the baseline first: a wrong --baseline fails before anything is written.
  const baseline = await loadRun(baselineDir);
  const run = await writeReports(folder);
  const diff = await diffRuns(baseline, { folder, run });
  await atomicWrite(folder.html, renderHtml(run, { diff }));
  return { run, diff };
}
