import { cp, open, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { CAPTURE_FILES, readJsonLines } from '../capture/index.js';
import { PhonehomeError } from '../errors.js';
import { createRunFolder, openRunFolder, RUN_FILES, type RunFolder } from './runFolder.js';
import { JournalWriter, readJournal, type JournalEntry } from './runJournal.js';
import type { RunStatus } from './types.js';

export interface MergeSource {
  folder: RunFolder;
  journal: JournalEntry[];
  /** Phone name in the source → name in the merged run (renamed when two sources share a name). */
  names: Map<string, string>;
}

/**
 * Combines run folders (the shards of one CI run, or runs on different phones) into one new run
 * folder under `out`, from their raw material: journals are concatenated and capture folders
 * copied, so `phonehome report` and `phonehome diff` treat the result as any other run. Phones
 * that share a name across sources (every shard job has an `emu-1`) become `NAME@K`, K the
 * source's position on the command line, so each phone's capture stays its own.
 */
export async function mergeRuns(dirs: readonly string[], out: string, argv: string[]): Promise<RunFolder> {
  if (dirs.length === 0) throw new PhonehomeError("phonehome merge: name at least one run folder, e.g. 'phonehome merge shard-1/latest shard-2/latest'");
  const sources: MergeSource[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const folder = await openRunFolder(dir);
    const twice = seen.get(folder.dir);
    if (twice !== undefined) throw new PhonehomeError(`phonehome merge: ${dir} is the same run folder as ${twice}; name each run once`);
    seen.set(folder.dir, dir);
    sources.push({ folder, journal: await readJournal(folder.journal), names: new Map() });
  }
  // Which phone names more than one source uses.
  const users = new Map<string, number>();
  for (const source of sources) for (const name of await phoneNames(source)) users.set(name, (users.get(name) ?? 0) + 1);
  sources.forEach((source, k) => {
    for (const name of users.keys()) source.names.set(name, (users.get(name) ?? 0) > 1 ? `${name}@${k + 1}` : name);
  });

  const folder = await createRunFolder(path.resolve(out));
  const journal = new JournalWriter(folder.journal);
  try {
    const starts = sources.map((s) => s.journal.find((e) => e.type === 'run-start')).filter((e) => e !== undefined);
    journal.write({ type: 'run-start', runId: folder.runId, startedAt: Math.min(...starts.map((e) => e.startedAt), Date.now()), argv });
    const suites = new Set<string>();
    let status: Exclude<RunStatus, 'incomplete'> = 'passed';
    let endedAt = 0;
    for (const source of sources) {
      const label = source.journal.find((e) => e.type === 'run-start')?.runId ?? source.folder.runId;
      const rename = (name: string) => source.names.get(name) ?? name;
      for (const name of await phoneNames(source)) await copyCapture(source.folder, folder, name, rename(name));
      await cp(path.join(source.folder.dir, RUN_FILES.visits), path.join(folder.dir, RUN_FILES.visits), { recursive: true, force: false, errorOnExist: false }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw new PhonehomeError(`phonehome merge: cannot copy ${source.folder.dir}/visits: ${error.code ?? error.message}`);
      });
      let ended = false;
      for (const e of source.journal) {
        switch (e.type) {
          case 'run-start':
          case 'adb-server':
            break;
          case 'suite':
            if (!suites.has(e.name)) journal.write(e);
            suites.add(e.name);
            break;
          case 'phone':
            journal.write({ type: 'phone', phone: { ...e.phone, name: rename(e.phone.name), captureDir: folder.relativeCaptureDir(rename(e.phone.name)) } });
            break;
          case 'test':
            journal.write(e);
            break;
          case 'visit-artifacts':
            journal.write({ ...e, ...renamedPaths(e, source.names) });
            break;
          case 'canary':
            journal.write({ ...e, device: rename(e.device), canary: { ...e.canary, ...(e.canary.device ? { device: rename(e.canary.device) } : {}) } });
            break;
          case 'error':
            journal.write({ ...e, message: `run ${label}: ${e.message}` });
            break;
          case 'run-end':
            ended = true;
            endedAt = Math.max(endedAt, e.endedAt);
            status = worse(status, e.status);
            break;
        }
      }
      if (!ended) {
        journal.write({ type: 'error', time: Date.now(), message: `run ${label} did not finish (killed or still running): its tests after the last one journalled are missing from this merge` });
        status = 'error';
      }
    }
    journal.write({ type: 'run-end', endedAt: endedAt || Date.now(), status });
  } finally {
    journal.close();
  }
  return folder;
}

function worse(a: Exclude<RunStatus, 'incomplete'>, b: Exclude<RunStatus, 'incomplete'>): Exclude<RunStatus, 'incomplete'> {
  const rank = { passed: 0, failed: 1, error: 2 } as const;
  return rank[b] > rank[a] ? b : a;
}

/** Phones of a run: named in its journal, or with a capture folder (a phone whose journal line was lost). */
async function phoneNames(source: MergeSource): Promise<string[]> {
  const names = new Set<string>();
  for (const e of source.journal) if (e.type === 'phone') names.add(e.phone.name);
  const entries = await readdir(path.join(source.folder.dir, RUN_FILES.captures), { withFileTypes: true }).catch(() => []);
  const known = new Set([...names].map((n) => source.folder.relativeCaptureDir(n)));
  for (const entry of entries) {
    if (entry.isDirectory() && !known.has(path.join(RUN_FILES.captures, entry.name))) names.add(entry.name);
  }
  return [...names];
}

/** Copies one phone's capture; when renamed, its visit markers name the new phone. */
async function copyCapture(from: RunFolder, to: RunFolder, name: string, renamed: string): Promise<void> {
  const source = from.captureDir(name);
  if (!(await stat(source).catch(() => undefined))?.isDirectory()) return;
  const target = to.captureDir(renamed);
  if ((await stat(target).catch(() => undefined)) !== undefined) throw new PhonehomeError(`phonehome merge: two runs would both write ${to.relative(target)}; rename one of the phones`);
  await cp(source, target, { recursive: true, errorOnExist: true, force: false });
  if (renamed === name) return;
  const markers = path.join(target, CAPTURE_FILES.markers);
  const rewritten = path.join(target, `${CAPTURE_FILES.markers}.merge`);
  const handle = await open(rewritten, 'w');
  try {
    for await (const value of readJsonLines(path.join(source, CAPTURE_FILES.markers))) {
      await handle.write(JSON.stringify(renameInMarker(value, name, renamed)) + '\n');
    }
  } finally {
    await handle.close();
  }
  await rename(rewritten, markers);
}

function renameInMarker(value: unknown, name: string, renamed: string): unknown {
  const marker = value as { data?: { device?: unknown; visit?: { device?: unknown } } } | null;
  if (!marker || typeof marker !== 'object' || !marker.data || typeof marker.data !== 'object') return value;
  const data = { ...marker.data };
  if (data.device === name) data.device = renamed;
  if (data.visit && typeof data.visit === 'object' && data.visit.device === name) data.visit = { ...data.visit, device: renamed };
  return { ...marker, data };
}

function renamedPaths(e: Extract<JournalEntry, { type: 'visit-artifacts' }>, names: Map<string, string>): { screenshot?: string; logcat?: string } {
  const fix = (p: string | undefined) => {
    if (p === undefined) return undefined;
    const m = /^capture\/([^/]+)\/(.*)$/.exec(p);
    if (!m) return p;
    const renamed = [...names.entries()].find(([n]) => n.replaceAll(':', '_') === m[1])?.[1];
    return renamed ? `capture/${renamed.replaceAll(':', '_')}/${m[2]}` : p;
  };
  const out: { screenshot?: string; logcat?: string } = {};
  const s = fix(e.screenshot);
  const l = fix(e.logcat);
  if (s !== undefined) out.screenshot = s;
  if (l !== undefined) out.logcat = l;
  return out;
}
