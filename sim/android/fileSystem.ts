/**
 * The phone's file system: an in-memory tree with owners, permission bits and a mount table, so
 * the things provisioning depends on behave as on Android — /system read-only until remounted,
 * a tmpfs or bind mount over the CA store, /data/local/tmp writable by the shell user.
 */

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

export interface Credentials {
  uid: number;
  gids: number[];
}

export const ROOT: Credentials = { uid: 0, gids: [0] };

interface NodeBase {
  mode: number; // permission bits only
  uid: number;
  gid: number;
  mtime: number;
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

export class VirtualFileSystem {
  private mounts: MountEntry[] = [];
  private usedBytes = 0;
  readonly capacityBytes: number;

  constructor(capacityBytes = 512 * 1024 * 1024) {
    this.capacityBytes = capacityBytes;
    this.mounts.push({ source: 'rootfs', target: '/', fstype: 'rootfs', readOnly: false, options: 'rw', root: newDir(0o755), boot: true });
  }

  get bytesUsed(): number {
    return this.usedBytes;
  }

  /** The newest mount at exactly this path, if any. */
  private mountAt(path: string): MountEntry | undefined {
    for (let i = this.mounts.length - 1; i >= 0; i--) if (this.mounts[i]!.target === path) return this.mounts[i];
    return undefined;
  }

  private walk(path: string, cred: Credentials): Resolved | null {
    const normalized = normalizePath(path);
    let mount = this.mountAt('/')!;
    let node: FsNode = mount.root;
    let current = '';
    for (const part of normalized.split('/').filter(Boolean)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', normalized);
      if (!canAccess(node, cred, 1)) throw new FsError('EACCES', normalized);
      const child: FsNode | undefined = node.children.get(part);
      if (!child) return null;
      current += '/' + part;
      const mounted = this.mountAt(current);
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
    return [...resolved.node.children.keys()].sort().map((name) => {
      const childPath = base === '/' ? `/${name}` : `${base}/${name}`;
      const mounted = this.mountAt(childPath);
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
    parent.dir.children.set(parent.name, newDir((options.mode ?? 0o755) & 0o7777, cred.uid, cred.gids[0] ?? cred.uid));
    parent.dir.mtime = now();
  }

  remove(path: string, cred: Credentials = ROOT, options: { recursive?: boolean; dirOnly?: boolean } = {}): void {
    const normalized = normalizePath(path);
    const target = this.walk(normalized, cred);
    if (!target) throw new FsError('ENOENT', normalized);
    if (this.mounts.some((m) => m.target === normalized)) throw new FsError('EBUSY', normalized);
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

  /** Mounts a fresh filesystem (tmpfs) or an existing node (bind) at `target`, which must exist. */
  mount(entry: { source: string; target: string; fstype: string; readOnly?: boolean; options?: string; bind?: boolean; boot?: boolean }): void {
    const target = normalizePath(entry.target);
    const at = this.lookup(target);
    if (!at) throw new FsError('ENOENT', target);
    let root: FsNode;
    if (entry.bind) {
      const source = this.lookup(entry.source);
      if (!source) throw new FsError('ENOENT', normalizePath(entry.source));
      root = source;
    } else {
      if (at.kind !== 'dir') throw new FsError('ENOTDIR', target);
      root = newDir(0o1777);
    }
    const readOnly = entry.readOnly ?? false;
    this.mounts.push({
      source: entry.source, target, fstype: entry.fstype, readOnly, root, boot: entry.boot ?? false,
      options: entry.options ?? (readOnly ? 'ro' : 'rw'),
    });
  }

  /** Replaces the root of the top mount at `target` (used to lay out a boot partition). */
  mountRoot(target: string): FsNode | undefined {
    return this.mountAt(normalizePath(target))?.root;
  }

  unmount(target: string): void {
    const normalized = normalizePath(target);
    for (let i = this.mounts.length - 1; i >= 0; i--) {
      if (this.mounts[i]!.target === normalized && normalized !== '/') {
        this.mounts.splice(i, 1);
        return;
      }
    }
    throw new FsError('EINVAL', normalized);
  }

  /** `mount -o remount,ro|rw TARGET`. */
  remount(target: string, readOnly: boolean): void {
    const mount = this.mountAt(normalizePath(target));
    if (!mount) throw new FsError('EINVAL', normalizePath(target));
    mount.readOnly = readOnly;
    mount.options = mount.options.replace(/^(ro|rw)\b/, readOnly ? 'ro' : 'rw');
  }

  mountTable(): MountEntry[] {
    return [...this.mounts];
  }

  /** Drops user mounts and restores boot mounts' flags (a reboot). */
  resetVolatileMounts(bootReadOnly: Map<string, boolean>): void {
    this.mounts = this.mounts.filter((m) => m.boot);
    for (const mount of this.mounts) {
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
