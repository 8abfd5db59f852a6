import { createHash } from 'node:crypto';
import { FsError, normalizePath, type FsNode } from '../fileSystem.js';
import { defaultLabel, isValidContext } from '../selinuxLabels.js';
import { readAll } from '../shell/io.js';
import { idFromName, idName, splitFlags, type Ctx, type Handler } from './context.js';

function abs(ctx: Ctx, path: string): string {
  return normalizePath(path, ctx.env.cwd);
}

async function fsFail(ctx: Ctx, tool: string, path: string, error: unknown): Promise<number> {
  const message = error instanceof FsError ? error.message : (error as Error).message;
  await ctx.err(`${tool}: ${path}: ${message}\n`);
  return 1;
}

function modeString(node: FsNode): string {
  const bits = node.mode;
  const rwx = (shift: number, special: boolean, char: string) =>
    ((bits >> shift) & 4 ? 'r' : '-') + ((bits >> shift) & 2 ? 'w' : '-') + (special ? ((bits >> shift) & 1 ? char : char.toUpperCase()) : (bits >> shift) & 1 ? 'x' : '-');
  return (node.kind === 'dir' ? 'd' : '-') + rwx(6, (bits & 0o4000) !== 0, 's') + rwx(3, (bits & 0o2000) !== 0, 's') + rwx(0, (bits & 0o1000) !== 0, 't');
}

function longLine(name: string, node: FsNode, label?: string): string {
  const date = new Date(node.mtime * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const size = node.kind === 'dir' ? 4096 : node.data.length;
  const links = node.kind === 'dir' ? 2 + [...node.children.values()].filter((c) => c.kind === 'dir').length : 1;
  // toybox ls -lZ puts the context between the group and the size.
  return `${modeString(node)} ${String(links).padStart(2)} ${idName(node.uid).padEnd(6)} ${idName(node.gid).padEnd(6)} ${label ? `${label} ` : ''}${String(size).padStart(7)} ${stamp} ${name}\n`;
}

const ls: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const long = flags.has('-l') || flags.has('-n');
  const all = flags.has('-a');
  const directoryOnly = flags.has('-d');
  const context = flags.has('-Z');
  const labelOf = (path: string, node: FsNode) => node.label ?? defaultLabel(path);
  const line = (shown: string, path: string, node: FsNode) =>
    long ? longLine(shown, node, context ? labelOf(path, node) : undefined) : context ? `${labelOf(path, node)} ${shown}\n` : `${shown}\n`;
  const targets = operands.length ? operands : ['.'];
  let status = 0;
  const files = ctx.device.files;
  for (const target of targets) {
    const path = abs(ctx, target);
    let node: FsNode | null;
    try {
      node = path.startsWith('/proc/') && ctx.device.readFile(path, ctx.cred) ? { kind: 'file', mode: 0o444, uid: 0, gid: 0, mtime: Math.floor(Date.now() / 1000), data: Buffer.alloc(0) } : files.lookup(path, ctx.cred);
    } catch {
      node = null;
    }
    if (!node) {
      try {
        files.list(path, ctx.cred);
      } catch (error) {
        if (error instanceof FsError && error.code === 'EACCES') {
          await ctx.err(`ls: ${target}: Permission denied\n`);
          status = 1;
          continue;
        }
      }
      await ctx.err(`ls: ${target}: No such file or directory\n`);
      status = 1;
      continue;
    }
    if (node.kind === 'file' || directoryOnly) {
      await ctx.out(line(target, path, node));
      continue;
    }
    let entries;
    try {
      entries = files.list(path, ctx.cred);
    } catch (error) {
      await ctx.err(`ls: ${target}: ${(error as Error).message}\n`);
      status = 1;
      continue;
    }
    if (targets.length > 1) await ctx.out(`${target}:\n`);
    const shown = entries.filter((e) => all || !e.name.startsWith('.'));
    if (long) await ctx.out(`total ${shown.length * 8}\n`);
    const lines = [...(all ? [{ name: '.', node }, { name: '..', node }] : []), ...shown].map((e) => line(e.name, e.name === '.' || e.name === '..' ? path : path === '/' ? `/${e.name}` : `${path}/${e.name}`, e.node));
    await ctx.out(lines.join(''));
  }
  return status;
};

const cat: Handler = async (ctx) => {
  const operands = ctx.args.filter((a) => a === '-' || !a.startsWith('-'));
  if (operands.length === 0) {
    await ctx.out(await readAll(ctx.stdin, 64 * 1024 * 1024));
    return 0;
  }
  let status = 0;
  for (const file of operands) {
    try {
      await ctx.out(file === '-' ? await readAll(ctx.stdin, 64 * 1024 * 1024) : ctx.device.readFile(abs(ctx, file), ctx.cred));
    } catch (error) {
      status = await fsFail(ctx, 'cat', file, error);
    }
  }
  return status;
};

const mkdir: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args, ['-m']);
  const mode = flags.has('-m') ? Number.parseInt(String(flags.get('-m')), 8) : 0o775;
  let status = 0;
  for (const dir of operands) {
    try {
      ctx.device.files.mkdir(abs(ctx, dir), ctx.cred, { parents: flags.has('-p'), mode });
    } catch (error) {
      if (error instanceof FsError && error.code === 'EEXIST') {
        await ctx.err(`mkdir: '${dir}': File exists\n`);
        status = 1;
      } else {
        await ctx.err(`mkdir: '${dir}': ${(error as Error).message}\n`);
        status = 1;
      }
    }
  }
  return status;
};

const rm: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const recursive = flags.has('-r') || flags.has('-R');
  const force = flags.has('-f');
  let status = 0;
  for (const target of operands) {
    try {
      ctx.device.files.remove(abs(ctx, target), ctx.cred, { recursive });
    } catch (error) {
      if (force && error instanceof FsError && error.code === 'ENOENT') continue;
      await ctx.err(`rm: ${target}: ${(error as Error).message}\n`);
      status = 1;
    }
  }
  return status;
};

const rmdir: Handler = async (ctx) => {
  let status = 0;
  for (const target of ctx.args.filter((a) => !a.startsWith('-'))) {
    try {
      ctx.device.files.remove(abs(ctx, target), ctx.cred, { dirOnly: true });
    } catch (error) {
      status = await fsFail(ctx, 'rmdir', target, error);
    }
  }
  return status;
};

function copyNode(ctx: Ctx, from: string, to: string, recursive: boolean, preserve: boolean): void {
  const files = ctx.device.files;
  const node = files.lookup(from, ctx.cred);
  if (!node) throw new FsError('ENOENT', from);
  let destination = to;
  const existing = files.lookup(to, ctx.cred);
  if (existing?.kind === 'dir') destination = `${to === '/' ? '' : to}/${from.split('/').pop()}`;
  if (node.kind === 'dir') {
    if (!recursive) throw Object.assign(new FsError('EISDIR', from), { message: `Is a directory (not copied)` });
    if (!files.lookup(destination, ctx.cred)) files.mkdir(destination, ctx.cred, { mode: node.mode });
    for (const entry of files.list(from, ctx.cred)) copyNode(ctx, `${from}/${entry.name}`, `${destination}/${entry.name}`, true, preserve);
    return;
  }
  ctx.device.writeFile(destination, ctx.device.readFile(from, ctx.cred), ctx.cred, { mode: node.mode, ...(preserve ? { mtime: node.mtime } : {}) });
}

const cp: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  if (operands.length < 2) {
    await ctx.err('cp: Needs 2 arguments\n');
    return 1;
  }
  const target = abs(ctx, operands.pop()!);
  let status = 0;
  for (const source of operands) {
    try {
      copyNode(ctx, abs(ctx, source), target, flags.has('-r') || flags.has('-R') || flags.has('-a'), flags.has('-p') || flags.has('-a'));
    } catch (error) {
      status = await fsFail(ctx, 'cp', source, error);
    }
  }
  return status;
};

const mv: Handler = async (ctx) => {
  const { operands } = splitFlags(ctx.args);
  if (operands.length < 2) {
    await ctx.err('mv: Needs 2 arguments\n');
    return 1;
  }
  const target = abs(ctx, operands.pop()!);
  let status = 0;
  for (const source of operands) {
    try {
      ctx.device.files.rename(abs(ctx, source), target, ctx.cred);
    } catch (error) {
      status = await fsFail(ctx, 'mv', source, error);
    }
  }
  return status;
};

function applyMode(current: number, spec: string): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([+\-=])([rwxst]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] || 'a';
    let bits = 0;
    for (const p of m[3]!) bits |= p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' ? 1 : 0;
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= bits << 6;
    if (who.includes('g') || who.includes('a')) mask |= bits << 3;
    if (who.includes('o') || who.includes('a')) mask |= bits;
    if (m[2] === '+') mode |= mask;
    else if (m[2] === '-') mode &= ~mask;
    else mode = (mode & ~0o777) | mask;
  }
  return mode;
}

const chmod: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args.map((a) => (/^[-+=][rwxst]+$/.test(a) ? `a${a}` : a)));
  const [spec, ...targets] = operands;
  if (!spec || targets.length === 0) {
    await ctx.err('chmod: Needs 2 arguments\n');
    return 1;
  }
  let status = 0;
  const apply = (path: string) => {
    const node = ctx.device.files.lookup(path, ctx.cred);
    if (!node) throw new FsError('ENOENT', path);
    const mode = applyMode(node.mode, spec);
    if (mode === null) throw Object.assign(new Error(`bad mode '${spec}'`), { path });
    ctx.device.files.chmod(path, mode, ctx.cred);
    if (flags.has('-R') && node.kind === 'dir') for (const e of ctx.device.files.list(path, ctx.cred)) apply(`${path}/${e.name}`);
  };
  for (const target of targets) {
    try {
      apply(abs(ctx, target));
    } catch (error) {
      status = await fsFail(ctx, 'chmod', target, error);
    }
  }
  return status;
};

const chown: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const [spec, ...targets] = operands;
  if (!spec || targets.length === 0) {
    await ctx.err('chown: Needs 2 arguments\n');
    return 1;
  }
  const [user, group] = spec.split(/[:.]/);
  const uid = user ? idFromName(user) : undefined;
  const gid = group ? idFromName(group) : undefined;
  if ((user && uid === undefined) || (group && gid === undefined)) {
    await ctx.err(`chown: bad user/group '${spec}'\n`);
    return 1;
  }
  let status = 0;
  const apply = (path: string) => {
    ctx.device.files.chown(path, uid, gid, ctx.cred);
    const node = ctx.device.files.lookup(path, ctx.cred);
    if (flags.has('-R') && node?.kind === 'dir') for (const e of ctx.device.files.list(path, ctx.cred)) apply(`${path}/${e.name}`);
  };
  for (const target of targets) {
    try {
      apply(abs(ctx, target));
    } catch (error) {
      status = await fsFail(ctx, 'chown', target, error);
    }
  }
  return status;
};

const touch: Handler = async (ctx) => {
  let status = 0;
  for (const target of ctx.args.filter((a) => !a.startsWith('-'))) {
    const path = abs(ctx, target);
    try {
      const existing = ctx.device.files.lookup(path, ctx.cred);
      if (existing?.kind === 'file') existing.mtime = Math.floor(Date.now() / 1000);
      else if (!existing) ctx.device.writeFile(path, Buffer.alloc(0), ctx.cred);
    } catch (error) {
      status = await fsFail(ctx, 'touch', target, error);
    }
  }
  return status;
};

function hashCommand(algorithm: string, tool: string): Handler {
  return async (ctx) => {
    let status = 0;
    for (const file of ctx.args.filter((a) => !a.startsWith('-'))) {
      try {
        const digest = createHash(algorithm).update(ctx.device.readFile(abs(ctx, file), ctx.cred)).digest('hex');
        await ctx.out(`${digest}  ${file}\n`);
      } catch (error) {
        status = await fsFail(ctx, tool, file, error);
      }
    }
    return status;
  };
}

function eachPath(ctx: Ctx, path: string, recursive: boolean, visit: (path: string) => void): void {
  visit(path);
  if (!recursive) return;
  const node = ctx.device.files.lookup(path, ctx.cred);
  if (node?.kind !== 'dir') return;
  for (const entry of ctx.device.files.list(path, ctx.cred)) eachPath(ctx, path === '/' ? `/${entry.name}` : `${path}/${entry.name}`, true, visit);
}

/** toybox chcon [-hRv] CONTEXT FILE...: sets the SELinux label (root; the context must be one the policy knows). */
const chcon: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const [context, ...targets] = operands;
  if (!context || targets.length === 0) {
    await ctx.err('usage: chcon [-hRv] CONTEXT FILE...\n');
    return 1;
  }
  let status = 0;
  for (const target of targets) {
    const path = abs(ctx, target);
    try {
      if (!isValidContext(context)) throw new FsError('EINVAL', path);
      if (!ctx.device.files.lookup(path, ctx.cred)) throw new FsError('ENOENT', path);
      eachPath(ctx, path, flags.has('-R'), (p) => ctx.device.files.setLabel(p, context, ctx.cred));
    } catch (error) {
      const message = error instanceof FsError && error.code === 'EPERM' ? 'Operation not permitted' : (error as Error).message;
      await ctx.err(`chcon: '${target}' to ${context}: ${message}\n`);
      status = 1;
    }
  }
  return status;
};

/** restorecon [-RFnv] FILE...: the file_contexts label for each path (AOSP file_contexts, selinuxLabels.ts). */
const restorecon: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  if (operands.length === 0) {
    await ctx.err('usage: restorecon [-D] [-F] [-R] [-n] [-v] FILE...\n');
    return 1;
  }
  let status = 0;
  for (const target of operands) {
    const path = abs(ctx, target);
    try {
      if (!ctx.device.files.lookup(path, ctx.cred)) throw new FsError('ENOENT', path);
      eachPath(ctx, path, flags.has('-R'), (p) => ctx.device.files.setLabel(p, defaultLabel(p), ctx.cred));
    } catch (error) {
      await ctx.err(`restorecon: ${target}: ${(error as Error).message}\n`);
      status = 1;
    }
  }
  return status;
};

/** toybox mount: list, tmpfs, bind, remount (root only for changes). */
const mount: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args, ['-t', '-o']);
  const files = ctx.device.files;
  const ns = ctx.cred.mountNs ?? 'init';
  if (operands.length === 0 && !flags.has('-o')) {
    await ctx.out(files.mountTable(ns).map((m) => `${m.source} on ${m.target} type ${m.fstype} (${m.options})\n`).join(''));
    return 0;
  }
  const options = String(flags.get('-o') ?? '').split(',').filter(Boolean);
  const bind = flags.has('--bind') || flags.has('--rbind') || options.includes('bind') || options.includes('rbind');
  const remount = options.includes('remount');
  const target = abs(ctx, operands[operands.length - 1] ?? '');
  const source = operands.length > 1 ? operands[0]! : String(flags.get('-t') ?? 'none');
  if (ctx.cred.uid !== 0) {
    await ctx.err(`mount: '${source}'->'${target}': Operation not permitted\n`);
    return 1;
  }
  try {
    if (remount) {
      if (!files.mountTable(ns).some((m) => m.target === target)) {
        await ctx.err(`mount: '${target}' not in /proc/mounts\n`);
        return 1;
      }
      files.remount(target, options.includes('ro'), ns);
      return 0;
    }
    const fstype = String(flags.get('-t') ?? (bind ? 'none' : ''));
    if (!bind && fstype !== 'tmpfs') {
      await ctx.err(`mount: '${source}'->'${target}': No such device (only -t tmpfs and bind mounts are supported here)\n`);
      return 1;
    }
    files.mount({ source: bind ? abs(ctx, source) : source, target, fstype: bind ? files.mountTable(ns).find((m) => target.startsWith(m.target))?.fstype ?? 'none' : fstype, bind, readOnly: options.includes('ro'), options: options.includes('ro') ? 'ro' : 'rw,seclabel,relatime' }, ns);
    ctx.device.log(4, 'vold', `mounted ${source} on ${target}`);
    return 0;
  } catch (error) {
    await ctx.err(`mount: '${source}'->'${target}': ${(error as Error).message}\n`);
    return 1;
  }
};

const umount: Handler = async (ctx) => {
  const target = ctx.args.filter((a) => !a.startsWith('-')).pop();
  if (!target) {
    await ctx.err('umount: Needs 1 argument\n');
    return 1;
  }
  if (ctx.cred.uid !== 0) {
    await ctx.err(`umount: ${target}: Operation not permitted\n`);
    return 1;
  }
  try {
    ctx.device.files.unmount(abs(ctx, target), ctx.cred.mountNs);
    return 0;
  } catch {
    await ctx.err(`umount: ${target}: Invalid argument\n`);
    return 1;
  }
};

/** `remount` (what `adb remount` runs on devices with the remount_shell feature). */
const remount: Handler = async (ctx) => {
  if (ctx.cred.uid !== 0) {
    await ctx.err('Not running as root. Try "adb root" first.\n');
    return 1;
  }
  ctx.device.files.remount('/system', false, ctx.cred.mountNs);
  ctx.device.files.remount('/vendor', false, ctx.cred.mountNs);
  await ctx.out('Remount succeeded\n');
  return 0;
};

const df: Handler = async (ctx) => {
  const used = Math.ceil(ctx.device.files.bytesUsed / 1024);
  const size = Math.ceil(ctx.device.files.capacityBytes / 1024);
  await ctx.out(`Filesystem      1K-blocks    Used Available Use% Mounted on\n/dev/block/dm-5 ${String(size).padStart(9)} ${String(used).padStart(7)} ${String(size - used).padStart(9)} ${String(Math.round((used / size) * 100)).padStart(3)}% /data\n`);
  return 0;
};

export const fileCommands: Record<string, Handler> = {
  ls, cat, mkdir, rm, rmdir, cp, mv, chmod, chown, touch, chcon, restorecon, mount, umount, remount, df,
  md5sum: hashCommand('md5', 'md5sum'), sha1sum: hashCommand('sha1', 'sha1sum'), sha256sum: hashCommand('sha256', 'sha256sum'),
};
