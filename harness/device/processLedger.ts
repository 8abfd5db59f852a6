/**
 * What a run started, recorded in its run folder (`processes.jsonl`) so that nothing it started
 * outlives it: a later run's start-up sweep ends whatever a killed run left (its private adb
 * server, Appium, launched simulated phones). A process is named by PID *and* its start time
 * (field 22 of /proc/PID/stat, clock ticks since boot; proc(5)), never by name, so a PID the
 * kernel has since given to another process is left alone.
 *
 * A PID can only be recorded once spawn() has returned it, so a run killed in between leaves a
 * process nobody recorded (seen in CI: Appium, spawned 0.1 s before the SIGKILL). Every process a
 * run starts therefore also carries the run's marker in its environment (`PHONEHOME_RUN`), which
 * its own children inherit; the sweep ends what carries a killed run's marker too. Jenkins ends a
 * build's leftovers the same way (its ProcessTreeKiller matches the BUILD_ID / JENKINS_NODE_COOKIE
 * environment variable).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export const PROCESSES_FILE = 'processes.jsonl';

/** The environment variable every process a run starts carries, with the run's marker as value. */
export const RUN_MARKER_VARIABLE = 'PHONEHOME_RUN';

export interface LedgerEntry {
  /** `run`: the run process itself (first line); `run-end`: it closed its ledger (last line). */
  event: 'run' | 'started' | 'ended' | 'run-end';
  pid: number;
  /** /proc/PID/stat field 22 (starttime). */
  startTime: string;
  role: string;
  time: number;
  /** On `run`: the value of RUN_MARKER_VARIABLE in its children's environment. */
  marker?: string;
}

interface Stat {
  ppid: number;
  pgid: number;
  startTime: string;
  state: string;
}

/** /proc/PID/stat, parsed after the command name (which may hold spaces and parentheses). */
export function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3].
  return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19]! };
}

/** Alive and still the process that was recorded (a zombie has ended: only its parent can reap it). */
export function isSameProcess(pid: number, startTime: string): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z';
}

function allPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The process listening on 127.0.0.1/0.0.0.0 TCP `port` (e.g. the adb server, which daemonizes). */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A: TCP_LISTEN
      if (parseInt(cols[1]!.split(':')[1]!, 16) === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return undefined;
}

/**
 * Direct children of `parent` right now. The kernel lists each thread's children in
 * /proc/PID/task/TID/children (proc(5), Linux 3.5+ with CONFIG_PROC_CHILDREN): a few small reads,
 * where scanning every /proc/N/stat for its ppid costs a read per process on the machine (on a
 * shared 2-core machine the 250 ms watch of a run spent ~10 CPU-s per run on that scan). Without
 * that file, the scan.
 */
export function childrenOf(parent: number = process.pid): number[] {
  const listed = childrenListed(parent);
  return listed ?? allPids().filter((pid) => readStat(pid)?.ppid === parent);
}

/** The children /proc/PID/task/TID/children lists for every thread, or undefined when the kernel has no such file. */
export function childrenListed(parent: number): number[] | undefined {
  // The main thread (TID = PID) lives as long as the process: no file there means no such kernel support.
  const read = (task: string) => readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
  let texts: string[];
  let tasks: string[];
  try {
    texts = [read(String(parent))];
    tasks = readdirSync(`/proc/${parent}/task`).filter((t) => t !== String(parent));
  } catch {
    return undefined;
  }
  for (const task of tasks) {
    try {
      texts.push(read(task));
    } catch {
      /* a thread that ended meanwhile */
    }
  }
  return [...new Set(texts.join(' ').split(' ').filter((pid) => pid.trim() !== '').map(Number))];
}

/** Appends to `<runDir>/processes.jsonl`; one line per event, written at once (a SIGKILL may come next). */
export class ProcessLedger {
  readonly file: string;
  /** This run's marker (RUN_MARKER_VARIABLE's value). */
  readonly marker: string;
  /** What every process the run starts adds to its environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly #recorded = new Set<number>();

  /** Opens the ledger with its first line: the run process itself, with its marker. */
  constructor(runDir: string) {
    this.file = path.join(runDir, PROCESSES_FILE);
    this.marker = `${path.basename(runDir)}.${process.pid}.${randomBytes(6).toString('hex')}`;
    this.env = { [RUN_MARKER_VARIABLE]: this.marker };
    this.#append({ event: 'run', pid: process.pid, startTime: readStat(process.pid)?.startTime ?? '', role: 'run', time: Date.now(), marker: this.marker });
  }

  /** Records a process the run started; false when it is already gone. */
  record(pid: number | undefined, role: string): boolean {
    if (pid === undefined || this.#recorded.has(pid)) return false;
    const stat = readStat(pid);
    if (!stat) return false;
    this.#recorded.add(pid);
    this.#append({ event: 'started', pid, startTime: stat.startTime, role, time: Date.now() });
    return true;
  }

  /** Records every current child of this process not recorded yet (Appium, launched phones). */
  recordChildren(role: string): number {
    let n = 0;
    for (const pid of childrenOf(process.pid)) if (this.record(pid, role)) n++;
    return n;
  }

  /** A process the run stopped itself. */
  ended(pid: number, role: string): void {
    const stat = readStat(pid);
    this.#append({ event: 'ended', pid, startTime: stat?.startTime ?? '', role, time: Date.now() });
  }

  /** The run put back what it started: a later sweep need not look for its marker. */
  runEnded(): void {
    this.#append({ event: 'run-end', pid: process.pid, startTime: readStat(process.pid)?.startTime ?? '', role: 'run', time: Date.now() });
  }

  #append(entry: LedgerEntry): void {
    appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }
}

/** A ledger's lines, a line cut off by a kill skipped. */
function readLedger(file: string): LedgerEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as LedgerEntry;
      if (typeof entry.pid === 'number' && typeof entry.startTime === 'string') entries.push(entry);
    } catch {
      /* a line cut off by the kill */
    }
  }
  return entries;
}

/** Live processes (not zombies, not this one) whose environment holds RUN_MARKER_VARIABLE with one of `markers`. */
export function processesMarked(markers: ReadonlySet<string>): Array<{ pid: number; startTime: string; marker: string }> {
  if (markers.size === 0) return [];
  const prefix = `${RUN_MARKER_VARIABLE}=`;
  const found: Array<{ pid: number; startTime: string; marker: string }> = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1'); // another user's process: EACCES, not ours
    } catch {
      continue;
    }
    const variable = environ.split('\0').find((v) => v.startsWith(prefix));
    const marker = variable?.slice(prefix.length);
    if (marker === undefined || !markers.has(marker)) continue;
    const stat = readStat(pid);
    if (stat && stat.state !== 'Z') found.push({ pid, startTime: stat.startTime, marker });
  }
  return found;
}

/** Processes a ledger file lists as started and not ended that are still the same processes. */
export function leftovers(file: string): LedgerEntry[] {
  return stillRunning(readLedger(file));
}

/** Of a ledger's lines, the processes started and not ended that are still the same processes. */
function stillRunning(entries: LedgerEntry[]): LedgerEntry[] {
  const open = new Map<string, LedgerEntry>();
  for (const entry of entries) {
    const key = `${entry.pid}/${entry.startTime}`;
    if (entry.event === 'started') open.set(key, entry);
    else if (entry.event === 'ended') open.delete(key);
  }
  return [...open.values()].filter((e) => isSameProcess(e.pid, e.startTime));
}

export interface SweepResult {
  /** What was ended, as `role pid`. */
  ended: string[];
}

/**
 * The start-up sweep: for every run folder under `reportsRoot` (but `except`) whose run process has
 * ended, ends the processes its ledger lists that still run and, unless that run closed its ledger,
 * every process carrying its marker (SIGTERM, then SIGKILL after `graceMs`); a recorded process that
 * leads its own group (a launched phone) is ended with its group. A run still running (another
 * `phonehome run` writing to the same folder) is left alone.
 */
export async function sweepLeftovers(reportsRoot: string, options: { except?: string; graceMs?: number } = {}): Promise<SweepResult> {
  let runs: string[] = [];
  try {
    runs = readdirSync(reportsRoot).map((n) => path.join(reportsRoot, n)).filter((d) => path.resolve(d) !== path.resolve(options.except ?? ''));
  } catch {
    return { ended: [] };
  }
  const found: Array<{ entry: LedgerEntry; file: string; group: boolean }> = [];
  const markers = new Map<string, string>(); // marker → its ledger file
  for (const dir of runs) {
    const file = path.join(dir, PROCESSES_FILE);
    const entries = readLedger(file);
    const run = entries.find((e) => e.event === 'run');
    if (run && isSameProcess(run.pid, run.startTime)) continue;
    if (run?.marker && !entries.some((e) => e.event === 'run-end')) markers.set(run.marker, file);
    for (const entry of stillRunning(entries)) found.push({ entry, file, group: true });
  }
  const known = new Set(found.map(({ entry }) => entry.pid));
  for (const p of processesMarked(new Set(markers.keys()))) {
    if (known.has(p.pid)) continue;
    // Not recorded: a child the run spawned just before it was killed, or a child of one of its children.
    found.push({ entry: { event: 'started', pid: p.pid, startTime: p.startTime, role: 'unrecorded, carrying the run\'s marker', time: Date.now() }, file: markers.get(p.marker)!, group: false });
  }
  const signal = ({ entry: e, group: mayLead }: { entry: LedgerEntry; group: boolean }, sig: NodeJS.Signals) => {
    if (!isSameProcess(e.pid, e.startTime)) return;
    const group = mayLead && readStat(e.pid)?.pgid === e.pid;
    try {
      process.kill(group ? -e.pid : e.pid, sig);
    } catch {
      /* gone */
    }
  };
  for (const f of found) signal(f, 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 3000);
  while (Date.now() < deadline && found.some(({ entry }) => isSameProcess(entry.pid, entry.startTime))) await new Promise((r) => setTimeout(r, 50));
  for (const f of found) signal(f, 'SIGKILL');
  for (const { entry, file } of found) {
    appendFileSync(file, JSON.stringify({ ...entry, event: 'ended', time: Date.now() } satisfies LedgerEntry) + '\n');
  }
  for (const file of new Set(markers.values())) {
    appendFileSync(file, JSON.stringify({ event: 'run-end', pid: 0, startTime: '', role: 'swept by a later run', time: Date.now() } satisfies LedgerEntry) + '\n');
  }
  return { ended: found.map(({ entry }) => `${entry.role} ${entry.pid}`) };
}

/**
 * A run's ledger, as runs use it: first the sweep of what killed earlier runs under `reportsRoot`
 * left, then this run's own record, with its children (Appium, launched phones) noted as they
 * appear (every `watchMs`) besides what the run records explicitly (the adb server, by its port).
 */
export async function openRunLedger(runDir: string, reportsRoot: string, log: (line: string) => void, watchMs = 250): Promise<ProcessLedger & { close(): void }> {
  const swept = await sweepLeftovers(reportsRoot, { except: runDir });
  if (swept.ended.length > 0) log(`ended ${swept.ended.length} processes a killed earlier run left running: ${swept.ended.join(', ')}`);
  const ledger = new ProcessLedger(runDir);
  const timer = setInterval(() => {
    try {
      ledger.recordChildren('child of the run');
    } catch {
      /* the run folder went away: nothing to record into */
    }
  }, watchMs);
  timer.unref();
  return Object.assign(ledger, {
    close: () => {
      clearInterval(timer);
      ledger.runEnded();
    },
  });
}
