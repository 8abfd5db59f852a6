import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';

/**
 * What the launcher (onPrepare, in the wdio launcher process) tells the workers (one process per
 * spec file): written to the run folder, its path passed in the environment wdio's local runner
 * gives every worker.
 */
export interface WdioRunState {
  runId: string;
  /** Absolute run folder. */
  runDir: string;
  journal: string;
  suite: string;
  phone: {
    name: string;
    captureDir: string;
    /** Installed packages of the browser profiles: which profile a session's appPackage is. */
    apps: Array<{ browser: string; package: string; version: string }>;
  };
}

export const STATE_ENV = 'PHONEHOME_WDIO_STATE';
const STATE_FILE = 'wdio-state.json';

export function writeRunState(state: WdioRunState): string {
  const file = path.join(state.runDir, STATE_FILE);
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
  return file;
}

export function readRunState(env: NodeJS.ProcessEnv = process.env): WdioRunState {
  const file = env[STATE_ENV];
  if (!file) {
    throw new PhonehomeError(`phonehome wdio: no run is prepared in this worker (${STATE_ENV} is not set); add PhonehomeService to the services of your wdio.conf (see README "WebdriverIO")`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WdioRunState;
  } catch (error) {
    throw new PhonehomeError(`phonehome wdio: cannot read the run state ${file}: ${(error as Error).message} (was the run folder removed while wdio ran?)`);
  }
}
