import { INIT_NS, type VirtualFileSystem } from './fileSystem.js';

/** Zygote pids in the process table (processCommands.ts) and the system processes forked from zygote64 at boot. */
export const ZYGOTE64_PID = 700;
export const ZYGOTE_PID = 701;
const BOOT_ZYGOTE_CHILDREN = [1200, 1420, 1611, 1702, 1810, 1905];
const INIT_PIDS = new Set([1, 2, 412, 520, 610, 745]);

/**
 * Which mount namespace each process runs in. init, adbd and the adb shell share init's; each
 * zygote has its own, a slave of init's; every process zygote forks (system_server, each app) gets
 * a copy of zygote64's namespace *as it is at that moment*, kept a slave of init's (Zygote's
 * MountEmulatedStorage: unshare(CLONE_NEWNS), then MS_SLAVE on /). So a mount in init's namespace
 * reaches running apps (except under /apex, whose mounts are private), while a mount made inside
 * zygote's namespace reaches only apps started afterwards — HTTP Toolkit's adb-commands.ts
 * (injectSystemCertificate, commit 965fd8d "Fix system certificate injection for Android 14")
 * enters zygote, zygote64 and every running app for exactly this reason.
 */
export class ProcessNamespaces {
  private readonly apps = new Map<number, string>();
  private suSessions = 0;

  constructor(private readonly files: VirtualFileSystem, private readonly running: () => Array<{ pid: number }>) {}

  /** At boot (and after a reboot dropped every namespace). */
  boot(): void {
    this.apps.clear();
    this.files.forkNamespace(INIT_NS, 'zygote64', { slave: true });
    this.files.forkNamespace(INIT_NS, 'zygote', { slave: true });
    for (const pid of BOOT_ZYGOTE_CHILDREN) this.files.forkNamespace('zygote64', `proc:${pid}`, { master: INIT_NS });
  }

  /** Gives newly started app processes their namespace (forked from zygote64 now) and drops dead ones'. */
  sync(): void {
    const pids = new Set(this.running().map((p) => p.pid));
    for (const [pid, ns] of this.apps) {
      if (!pids.has(pid)) {
        this.files.dropNamespace(ns);
        this.apps.delete(pid);
      }
    }
    for (const pid of pids) {
      if (this.apps.has(pid) || INIT_PIDS.has(pid) || BOOT_ZYGOTE_CHILDREN.includes(pid) || pid === ZYGOTE64_PID || pid === ZYGOTE_PID) continue;
      const id = `app:${pid}`;
      this.files.forkNamespace('zygote64', id, { master: INIT_NS });
      this.apps.set(pid, id);
    }
  }

  /** The namespace of a running process, or null when no such process runs. */
  of(pid: number): string | null {
    this.sync();
    if (INIT_PIDS.has(pid)) return INIT_NS;
    if (pid === ZYGOTE64_PID) return 'zygote64';
    if (pid === ZYGOTE_PID) return 'zygote';
    if (BOOT_ZYGOTE_CHILDREN.includes(pid)) return `proc:${pid}`;
    return this.apps.get(pid) ?? null;
  }

  /** A private copy of `from` for one Magisk su session (dropped when the session ends). */
  suSession(from: string): { ns: string; end(): void } {
    const ns = `su:${++this.suSessions}`;
    this.files.forkNamespace(from, ns);
    return { ns, end: () => this.files.dropNamespace(ns) };
  }
}
