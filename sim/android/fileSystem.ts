/**
 * The phone's file system: an in-memory tree with owners, permission bits and a mount table, so
 * the things provisioning depends on behave as on Android — /system read-only until remounted,
 * a tmpfs or bind mount over the CA store, /data/local/tmp writable by the shell user.
 */

import { defaultLabel } from './selinuxLabels.js';

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

export interface Credentials {
  uid: number;
  gids: number[];
  /**
   * The mount namespace the process runs in ('init' when absent: init, adbd, the adb shell).
   * Zygotes, each app process and each Magisk su session may have their own (namespaces.ts).
   */
  mountNs?: string;
}

/** The namespace of init (and adbd, `adb shell`, AOSP su, `su --mount-master`). */
export const INIT_NS = 'init';

export const ROOT: Credentials = { uid: 0, gids: [0] };

interface NodeBase {
  mode: number; // permission bits only
  uid: number;
  gid: number;
  mtime: number;
  /** SELinux label (security.selinux xattr); absent: the label file_contexts gives the path (selinuxLabels.ts). */
  label?: string;
}
export interface FileNode extends NodeBase {
  kind: 'file';
  data: Buffer;
}
export interface DirNode extends NodeBase {
  kind: 'dir';
  children: Map<string, FsNode>;
}
export type FsNode = FileNode | DirNode;

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  readOnly: boolean;
  options: string;
  root: FsNode;
  /** Set up by init (survives nothing but is part of the layout); user mounts are volatile. */
  boot: boolean;
  /** Identity of the mount; a copy in another namespace (fork or propagation) keeps it. */
  id: number;
}

/**
 * One mount namespace: its mount list, and the namespace it receives mounts from (a slave of
 * `master`, as zygote makes app namespaces: MS_SLAVE on / in com_android_internal_os_Zygote.cpp).
 * Mounts under /apex are private (APEX mounts do not propagate), so on Android 14 a bind mount
 * over the Conscrypt store reaches no other namespace (HTTP Toolkit adb-commands.ts
 * injectSystemCertificate: it enters each zygote and app namespace for this reason).
 */
interface Namespace {
  mounts: MountEntry[];
  master?: string;
}

export type FsErrorCode = 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'EROFS' | 'ENOSPC' | 'EINVAL' | 'ENOTEMPTY' | 'EBUSY' | 'EPERM';

const MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory',
  EEXIST: 'File exists', EROFS: 'Read-only file system', ENOSPC: 'No space left on device', EINVAL: 'Invalid argument',
  ENOTEMPTY: 'Directory not empty', EBUSY: 'Device or resource busy', EPERM: 'Operation not permitted',
};

export class FsError extends Error {
  readonly code: FsErrorCode;
  readonly path: string;
  constructor(code: FsErrorCode, path: string) {
    super(MESSAGES[code]);
    this.code = code;
    this.path = path;
  }
}

export function normalizePath(path: string, cwd = '/'): string {
  const absolute = path.startsWith('/') ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const part of absolute.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

export function newDir(mode: number, uid = 0, gid = 0): DirNode {
  return { kind: 'dir', mode, uid, gid, mtime: now(), children: new Map() };
}

interface Resolved {
  node: FsNode;
  mount: MountEntry;
}

const MAX_NAMESPACES = 4096;

export class VirtualFileSystem {
  private readonly namespaces = new Map<string, Namespace>();
  private usedBytes = 0;
  private nextMountId = 1;
  readonly capacityBytes: number;

  constructor(capacityBytes = 512 * 1024 * 1024) {
    this.capacityBytes = capacityBytes;
    this.namespaces.set(INIT_NS, {
      mounts: [{ source: 'rootfs', target: '/', fstype: 'rootfs', readOnly: false, options: 'rw', root: newDir(0o755), boot: true, id: this.nextMountId++ }],
    });
  }

  get bytesUsed(): number {
    return this.usedBytes;
  }

  /** The mount list of a namespace (init when not given or gone: a process's namespace outlives nothing here). */
  private mountsOf(ns: string | undefined): MountEntry[] {
    return (this.namespaces.get(ns ?? INIT_NS) ?? this.namespaces.get(INIT_NS)!).mounts;
  }

  /** Copies `from`'s mounts into a new namespace `id` (unshare(CLONE_NEWNS)); `slave`: it keeps receiving `from`'s new mounts. */
  forkNamespace(from: string, id: string, options: { slave?: boolean; master?: string } = {}): void {
    if (this.namespaces.size >= MAX_NAMESPACES && !this.namespaces.has(id)) throw new FsError('ENOSPC', `mount namespace ${id}`);
    const source = this.namespaces.get(from);
    if (!source) throw new FsError('EINVAL', `mount namespace ${from}`);
    this.namespaces.set(id, { mounts: source.mounts.map((m) => ({ ...m })), master: options.master ?? (options.slave ? from : undefined) });
  }

  dropNamespace(id: string): void {
    if (id === INIT_NS) return;
    this.namespaces.delete(id);
    for (const ns of this.namespaces.values()) if (ns.master === id) ns.master = undefined;
  }

  hasNamespace(id: string): boolean {
    return this.namespaces.has(id);
  }

  namespaceIds(): string[] {
    return [...this.namespaces.keys()];
  }

  /** Namespaces that receive mounts made in `id` (its slaves, and theirs). */
  private slavesOf(id: string): string[] {
    const out: string[] = [];
    for (const [name, ns] of this.namespaces) if (ns.master === id) out.push(name, ...this.slavesOf(name));
    return out;
  }

  /** The newest mount at exactly this path, if any. */
  private mountAt(path: string, mounts: MountEntry[]): MountEntry | undefined {
    for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.target === path) return mounts[i];
    return undefined;
  }

  private walk(path: string, cred: Credentials): Resolved | null {
    const normalized = normalizePath(path);
    const mounts = this.mountsOf(cred.mountNs);
    let mount = this.mountAt('/', mounts)!;
    let node: FsNode = mount.root;
    let current = '';
    for (const part of normalized.split('/').filter(Boolean)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', normalized);
      if (!canAccess(node, cred, 1)) throw new FsError('EACCES', normalized);
      const child: FsNode | undefined = node.children.get(part);
      if (!child) return null;
      current += '/' + part;
      const mounted = this.mountAt(current, mounts);
      if (mounted) {
        mount = mounted;
        node = mounted.root;
      } else {
        node = child;
      }
    }
    return { node, mount };
  }

  private parentOf(path: string, cred: Credentials): { dir: DirNode; mount: MountEntry; name: string; path: string } {
    const normalized = normalizePath(path);
    if (normalized === '/') throw new FsError('EBUSY', normalized);
    const slash = normalized.lastIndexOf('/');
    const parentPath = normalized.slice(0, slash) || '/';
    const parent = this.walk(parentPath, cred);
    if (!parent) throw new FsError('ENOENT', normalized);
    if (parent.node.kind !== 'dir') throw new FsError('ENOTDIR', normalized);
    return { dir: parent.node, mount: parent.mount, name: normalized.slice(slash + 1), path: normalized };
  }

  private writableDir(path: string, cred: Credentials) {
    const parent = this.parentOf(path, cred);
    if (parent.mount.readOnly) throw new FsError('EROFS', parent.path);
    if (!canAccess(parent.dir, cred, 3)) throw new FsError('EACCES', parent.path);
    return parent;
  }

  lookup(path: string, cred: Credentials = ROOT): FsNode | null {
    try {
      return this.walk(path, cred)?.node ?? null;
    } catch {
      return null;
    }
  }

  exists(path: string, cred: Credentials = ROOT): boolean {
    return this.lookup(path, cred) !== null;
  }

  stat(path: string, cred: Credentials = ROOT): { mode: number; size: number; mtime: number; uid: number; gid: number } | null {
    const node = this.lookup(path, cred);
    if (!node) return null;
    return {
      mode: (node.kind === 'dir' ? S_IFDIR : S_IFREG) | node.mode,
      size: node.kind === 'dir' ? 4096 : node.data.length,
      mtime: node.mtime,
      uid: node.uid,
      gid: node.gid,
    };
  }

  /** Directory entries (names sorted); throws ENOENT / ENOTDIR / EACCES. */
  list(path: string, cred: Credentials = ROOT): Array<{ name: string; node: FsNode }> {
    const resolved = this.walk(path, cred);
    if (!resolved) throw new FsError('ENOENT', normalizePath(path));
    if (resolved.node.kind !== 'dir') throw new FsError('ENOTDIR', normalizePath(path));
    if (!canAccess(resolved.node, cred, 4)) throw new FsError('EACCES', normalizePath(path));
    const base = normalizePath(path);
    const mounts = this.mountsOf(cred.mountNs);
    return [...resolved.node.children.keys()].sort().map((name) => {
      const childPath = base === '/' ? `/${name}` : `${base}/${name}`;
      const mounted = this.mountAt(childPath, mounts);
      return { name, node: mounted ? mounted.root : (resolved.node as DirNode).children.get(name)! };
    });
  }

  readFile(path: string, cred: Credentials = ROOT): Buffer {
    const resolved = this.walk(path, cred);
    if (!resolved) throw new FsError('ENOENT', normalizePath(path));
    if (resolved.node.kind === 'dir') throw new FsError('EISDIR', normalizePath(path));
    if (!canAccess(resolved.node, cred, 4)) throw new FsError('EACCES', normalizePath(path));
    return resolved.node.data;
  }

  writeFile(path: string, data: Buffer, cred: Credentials = ROOT, options: { mode?: number; mtime?: number; append?: boolean } = {}): void {
    const existing = this.walk(path, cred);
    if (existing) {
      if (existing.node.kind === 'dir') throw new FsError('EISDIR', normalizePath(path));
      if (existing.mount.readOnly) throw new FsError('EROFS', normalizePath(path));
      if (!canAccess(existing.node, cred, 2)) throw new FsError('EACCES', normalizePath(path));
      const next = options.append ? Buffer.concat([existing.node.data, data]) : Buffer.from(data);
      this.charge(next.length - existing.node.data.length, path);
      existing.node.data = next;
      existing.node.mtime = options.mtime ?? now();
      if (options.mode !== undefined && cred.uid === 0) existing.node.mode = options.mode & 0o7777;
      return;
    }
    const parent = this.writableDir(path, cred);
    this.charge(data.length, path);
    parent.dir.children.set(parent.name, {
      kind: 'file', mode: (options.mode ?? 0o644) & 0o7777, uid: cred.uid, gid: cred.gids[0] ?? cred.uid,
      mtime: options.mtime ?? now(), data: Buffer.from(data),
      // A new file takes its directory's label (no type_transition rules for these paths).
      ...(parent.dir.label ? { label: parent.dir.label } : {}),
    });
    parent.dir.mtime = now();
  }

  mkdir(path: string, cred: Credentials = ROOT, options: { parents?: boolean; mode?: number } = {}): void {
    const normalized = normalizePath(path);
    if (options.parents) {
      let current = '';
      for (const part of normalized.split('/').filter(Boolean)) {
        current += '/' + part;
        const node = this.lookup(current, cred);
        if (node) {
          if (node.kind !== 'dir') throw new FsError('ENOTDIR', current);
          continue;
        }
        this.mkdir(current, cred, { mode: options.mode });
      }
      return;
    }
    if (this.walk(normalized, cred)) throw new FsError('EEXIST', normalized);
    const parent = this.writableDir(normalized, cred);
    const dir = newDir((options.mode ?? 0o755) & 0o7777, cred.uid, cred.gids[0] ?? cred.uid);
    if (parent.dir.label) dir.label = parent.dir.label;
    parent.dir.children.set(parent.name, dir);
    parent.dir.mtime = now();
  }

  remove(path: string, cred: Credentials = ROOT, options: { recursive?: boolean; dirOnly?: boolean } = {}): void {
    const normalized = normalizePath(path);
    const target = this.walk(normalized, cred);
    if (!target) throw new FsError('ENOENT', normalized);
    if (this.mountsOf(cred.mountNs).some((m) => m.target === normalized)) throw new FsError('EBUSY', normalized);
    if (target.node.kind === 'dir') {
      if (!options.recursive && !options.dirOnly) throw new FsError('EISDIR', normalized);
      if (options.dirOnly && target.node.children.size > 0) throw new FsError('ENOTEMPTY', normalized);
    }
    const parent = this.writableDir(normalized, cred);
    this.charge(-sizeOf(target.node), normalized);
    parent.dir.children.delete(parent.name);
    parent.dir.mtime = now();
  }

  rename(from: string, to: string, cred: Credentials = ROOT): void {
    const source = this.walk(from, cred);
    if (!source) throw new FsError('ENOENT', normalizePath(from));
    const src = this.writableDir(from, cred);
    let destination = normalizePath(to);
    const existing = this.lookup(destination, cred);
    if (existing?.kind === 'dir') destination = `${destination === '/' ? '' : destination}/${src.name}`;
    const dst = this.writableDir(destination, cred);
    src.dir.children.delete(src.name);
    dst.dir.children.set(dst.name, source.node);
  }

  chmod(path: string, mode: number, cred: Credentials = ROOT): void {
    const resolved = this.walk(path, cred);
    if (!resolved) throw new FsError('ENOENT', normalizePath(path));
    if (resolved.mount.readOnly) throw new FsError('EROFS', normalizePath(path));
    if (cred.uid !== 0 && cred.uid !== resolved.node.uid) throw new FsError('EPERM', normalizePath(path));
    resolved.node.mode = mode & 0o7777;
  }

  chown(path: string, uid: number | undefined, gid: number | undefined, cred: Credentials = ROOT): void {
    const resolved = this.walk(path, cred);
    if (!resolved) throw new FsError('ENOENT', normalizePath(path));
    if (resolved.mount.readOnly) throw new FsError('EROFS', normalizePath(path));
    if (cred.uid !== 0) throw new FsError('EPERM', normalizePath(path));
    if (uid !== undefined) resolved.node.uid = uid;
    if (gid !== undefined) resolved.node.gid = gid;
  }

  /** The SELinux label of a path as `ls -Z` shows it. */
  labelOf(path: string, cred: Credentials = ROOT): string | null {
    const node = this.lookup(path, cred);
    if (!node) return null;
    return node.label ?? defaultLabel(normalizePath(path));
  }

  /** `chcon` / `restorecon`: sets the SELinux label (root; a read-only mount refuses, as setxattr does). */
  setLabel(path: string, label: string, cred: Credentials = ROOT): void {
    const resolved = this.walk(path, cred);
    if (!resolved) throw new FsError('ENOENT', normalizePath(path));
    if (resolved.mount.readOnly) throw new FsError('EROFS', normalizePath(path));
    if (cred.uid !== 0) throw new FsError('EPERM', normalizePath(path));
    resolved.node.label = label;
  }

  /** Mounts a fresh filesystem (tmpfs) or an existing node (bind) at `target`, which must exist. */
  mount(entry: { source: string; target: string; fstype: string; readOnly?: boolean; options?: string; bind?: boolean; boot?: boolean; label?: string }, ns: string = INIT_NS): void {
    const target = normalizePath(entry.target);
    const cred: Credentials = { ...ROOT, mountNs: ns };
    const at = this.lookup(target, cred);
    if (!at) throw new FsError('ENOENT', target);
    let root: FsNode;
    if (entry.bind) {
      const source = this.lookup(entry.source, cred);
      if (!source) throw new FsError('ENOENT', normalizePath(entry.source));
      // A bind mount shows the source's own labels, not the ones file_contexts gives the target path.
      pinLabels(source, normalizePath(entry.source));
      root = source;
    } else {
      if (at.kind !== 'dir') throw new FsError('ENOTDIR', target);
      root = newDir(0o1777);
      // A fresh tmpfs root carries the tmpfs label (genfscon tmpfs / u:object_r:tmpfs:s0), not the folder's.
      if (entry.fstype === 'tmpfs') root.label = entry.label ?? 'u:object_r:tmpfs:s0';
    }
    const readOnly = entry.readOnly ?? false;
    const mount: MountEntry = {
      source: entry.source, target, fstype: entry.fstype, readOnly, root, boot: entry.boot ?? false,
      options: entry.options ?? (readOnly ? 'ro' : 'rw'), id: this.nextMountId++,
    };
    this.mountsOf(ns).push(mount);
    if (target === '/apex' || target.startsWith('/apex/')) return;
    for (const slave of this.slavesOf(ns)) this.namespaces.get(slave)!.mounts.push({ ...mount });
  }

  /** Replaces the root of the top mount at `target` (used to lay out a boot partition). */
  mountRoot(target: string): FsNode | undefined {
    return this.mountAt(normalizePath(target), this.mountsOf(INIT_NS))?.root;
  }

  unmount(target: string, ns: string = INIT_NS): void {
    const normalized = normalizePath(target);
    const mounts = this.mountsOf(ns);
    for (let i = mounts.length - 1; i >= 0; i--) {
      if (mounts[i]!.target === normalized && normalized !== '/') {
        const [removed] = mounts.splice(i, 1);
        for (const slave of this.slavesOf(ns)) {
          const list = this.namespaces.get(slave)!.mounts;
          const at = list.findIndex((m) => m.id === removed!.id);
          if (at >= 0) list.splice(at, 1);
        }
        return;
      }
    }
    throw new FsError('EINVAL', normalized);
  }

  /** `mount -o remount,ro|rw TARGET`. */
  remount(target: string, readOnly: boolean, ns: string = INIT_NS): void {
    const mount = this.mountAt(normalizePath(target), this.mountsOf(ns));
    if (!mount) throw new FsError('EINVAL', normalizePath(target));
    mount.readOnly = readOnly;
    mount.options = mount.options.replace(/^(ro|rw)\b/, readOnly ? 'ro' : 'rw');
  }

  mountTable(ns: string = INIT_NS): MountEntry[] {
    return [...this.mountsOf(ns)];
  }

  /** Drops user mounts and every namespace but init's, and restores boot mounts' flags (a reboot). */
  resetVolatileMounts(bootReadOnly: Map<string, boolean>): void {
    for (const id of [...this.namespaces.keys()]) if (id !== INIT_NS) this.namespaces.delete(id);
    const init = this.namespaces.get(INIT_NS)!;
    init.mounts = init.mounts.filter((m) => m.boot);
    for (const mount of init.mounts) {
      const ro = bootReadOnly.get(mount.target);
      if (ro !== undefined) {
        mount.readOnly = ro;
        mount.options = mount.options.replace(/^(ro|rw)\b/, ro ? 'ro' : 'rw');
      }
    }
  }

  private charge(delta: number, path: string): void {
    if (delta > 0 && this.usedBytes + delta > this.capacityBytes) throw new FsError('ENOSPC', normalizePath(path));
    this.usedBytes = Math.max(0, this.usedBytes + delta);
  }
}

function pinLabels(node: FsNode, path: string, depth = 0): void {
  if (!node.label) node.label = defaultLabel(path);
  if (node.kind === 'dir' && depth < 32) for (const [name, child] of node.children) pinLabels(child, `${path === '/' ? '' : path}/${name}`, depth + 1);
}

function sizeOf(node: FsNode): number {
  if (node.kind === 'file') return node.data.length;
  let total = 0;
  for (const child of node.children.values()) total += sizeOf(child);
  return total;
}

/** bits: 4 read, 2 write, 1 execute/search (3 = write + search for directories). */
export function canAccess(node: FsNode, cred: Credentials, bits: number): boolean {
  if (cred.uid === 0) return true;
  let granted: number;
  if (node.uid === cred.uid) granted = (node.mode >> 6) & 7;
  else if (cred.gids.includes(node.gid)) granted = (node.mode >> 3) & 7;
  else granted = node.mode & 7;
  return (granted & bits) === bits;
}
