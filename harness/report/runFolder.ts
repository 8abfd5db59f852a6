import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, stat, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';

/**
 * The run folder, reports/<run-id>/:
 *
 *   journal.jsonl      the run as it happens (run start, phones, test results, run end): append-only
 *   capture/<device>/  the capture folder of each phone (flows, bodies, blind spots, markers)
 *   visits/<visit-id>/ screenshot.png and logcat.txt taken after each visit
 *   run.json junit.xml traffic.har index.html   derived: `phonehome report DIR` rebuilds them
 *
 * and reports/latest, a symlink to the newest run folder.
 */
export const RUN_FILES = {
  journal: 'journal.jsonl',
  captures: 'capture',
  visits: 'visits',
  runJson: 'run.json',
  junit: 'junit.xml',
  har: 'traffic.har',
  html: 'index.html',
  latest: 'latest',
} as const;

export class RunFolder {
  constructor(readonly dir: string, readonly runId: string) {}

  get journal(): string { return path.join(this.dir, RUN_FILES.journal); }
  get runJson(): string { return path.join(this.dir, RUN_FILES.runJson); }
  get junit(): string { return path.join(this.dir, RUN_FILES.junit); }
  get har(): string { return path.join(this.dir, RUN_FILES.har); }
  get html(): string { return path.join(this.dir, RUN_FILES.html); }

  /** Capture folder of one phone; relative form is what run.json records. */
  captureDir(device: string): string { return path.join(this.dir, this.relativeCaptureDir(device)); }
  relativeCaptureDir(device: string): string { return path.join(RUN_FILES.captures, safeName(device, 'device name')); }

  visitDir(visitId: string): string { return path.join(this.dir, RUN_FILES.visits, safeName(visitId, 'visit id')); }
  relative(file: string): string { return path.relative(this.dir, file); }
}

/** Device names and visit ids become folder names: keep them to one harmless path segment. */
function safeName(name: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/.test(name) || name.includes('..')) {
    throw new PhonehomeError(`${what} '${name.slice(0, 80)}' cannot name a folder: use letters, digits and . _ - @ : + (at most 128)`);
  }
  return name.replaceAll(':', '_');
}

/** A sortable, unique run id: 20200430-203027-1a2b. */
export function newRunId(now: Date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Creates reports/<run-id>/ under `root` and points reports/latest at it. */
export async function createRunFolder(root: string, runId: string = newRunId()): Promise<RunFolder> {
  const dir = path.resolve(root, runId);
  try {
    await mkdir(path.join(dir, RUN_FILES.captures), { recursive: true });
    await mkdir(path.join(dir, RUN_FILES.visits), { recursive: true });
  } catch (error) {
    throw new PhonehomeError(`cannot create the run folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (choose a writable --out folder)`);
  }
  await pointLatestAt(root, runId);
  return new RunFolder(dir, runId);
}

/**
 * Replaces reports/latest atomically (symlink beside it, then rename over it), so a reader never
 * sees it missing. A real folder named `latest` is left alone: it is not ours to delete.
 */
export async function pointLatestAt(root: string, runId: string): Promise<void> {
  const latest = path.join(root, RUN_FILES.latest);
  const tmp = `${latest}.${process.pid}.${randomBytes(3).toString('hex')}`;
  try {
    const s = await stat(latest).catch(() => undefined);
    if (s?.isDirectory() && !(await isSymlink(latest))) {
      throw new PhonehomeError(`${latest} is a folder, not the 'latest' symlink; move it away so phonehome can point it at the newest run`);
    }
    await symlink(runId, tmp, 'dir');
    await rename(tmp, latest);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    if (error instanceof PhonehomeError) throw error;
    throw new PhonehomeError(`cannot point ${latest} at ${runId}: ${(error as Error).message}`);
  }
}

async function isSymlink(file: string): Promise<boolean> {
  return (await lstat(file)).isSymbolicLink();
}

/** Opens an existing run folder (for `phonehome report DIR`); DIR may be reports/latest. */
export async function openRunFolder(dir: string): Promise<RunFolder> {
  const resolved = path.resolve(dir);
  const s = await stat(resolved).catch(() => undefined);
  if (!s?.isDirectory()) throw new PhonehomeError(`run folder ${dir} does not exist (pass a reports/<run-id> folder written by 'phonehome run')`);
  const journal = await stat(path.join(resolved, RUN_FILES.journal)).catch(() => undefined);
  if (!journal?.isFile()) throw new PhonehomeError(`${dir} has no ${RUN_FILES.journal}: it is not a run folder (pass a reports/<run-id> folder written by 'phonehome run')`);
  const real = await realpath(resolved);
  return new RunFolder(real, path.basename(real));
}
