import { date } from './dateCommand.js';
import { readAll } from '../shell/io.js';
import { idFromName, idName, type Handler } from './context.js';

const id: Handler = async (ctx) => {
  const { uid, gids } = ctx.cred;
  const groups = (uid === 0 ? [0, ...gids.filter((g) => g !== 0)] : gids).map((g) => `${g}(${idName(g)})`).join(',');
  const context = uid === 0 ? 'u:r:su:s0' : 'u:r:shell:s0';
  if (ctx.args.includes('-u')) await ctx.out(`${uid}\n`);
  else if (ctx.args.includes('-un')) await ctx.out(`${idName(uid)}\n`);
  else await ctx.out(`uid=${uid}(${idName(uid)}) gid=${gids[0] ?? uid}(${idName(gids[0] ?? uid)}) groups=${groups} context=${context}\n`);
  return 0;
};

const whoami: Handler = async (ctx) => {
  await ctx.out(`${idName(ctx.cred.uid)}\n`);
  return 0;
};

/** Quotes words for a nested command line, so they reach the command unchanged (execvp-like). */
function quoteWords(words: string[]): string {
  return words.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * AOSP's su (system/extras/su/su.cpp; userdebug and eng images): `su [WHO [COMMAND...]]`. Only the
 * shell and root may run it ("su: not allowed"); WHO is `user[,group[,supplementary...]]` by name
 * or number, and anything else — `-c` included — is "su: invalid uid/gid '-c'" (exit 1); COMMAND is
 * exec'd directly (no shell), so `su 0 'id -u'` is "su: failed to exec id -u: No such file or
 * directory". It runs in the caller's mount namespace.
 */
const aospSu: Handler = async (ctx) => {
  if (ctx.cred.uid !== 0 && ctx.cred.uid !== 2000) {
    await ctx.err('su: not allowed\n');
    return 1;
  }
  const args = [...ctx.args];
  if (args[0] === '--help' || args[0] === '-h') {
    await ctx.err("usage: su [WHO [COMMAND...]]\n\nSwitch to WHO (default 'root') and run the given COMMAND (default sh).\n\nWHO is a comma-separated list of user, group, and supplementary groups\nin that order.\n\n");
    return 0;
  }
  let uid = 0;
  let gids = [0];
  if (args.length > 0) {
    const ids: number[] = [];
    for (const token of args.shift()!.split(',')) {
      // pwtoid(): a name getpwnam knows, else a decimal number (strtoul must consume something).
      const id = idFromName(token) ?? (/^\d+/.test(token) ? Number(/^\d+/.exec(token)![0]) : undefined);
      if (id === undefined) {
        await ctx.err(`su: invalid uid/gid '${token}'\n`);
        return 1;
      }
      ids.push(id);
    }
    uid = ids[0]!;
    gids = ids.length > 1 ? ids.slice(1) : [uid];
  }
  if (args.length === 0) {
    await ctx.err('su: an interactive shell needs a terminal; give a COMMAND (su 0 sh -c \'…\')\n');
    return 1;
  }
  const name = args[0]!;
  if (!ctx.device.commands.has(name.replace(/^\/(system\/)?(x?bin)\//, '')) && !['sh', 'echo', 'true', 'false', 'test', '[', 'printf', 'kill', 'cat'].includes(name)) {
    await ctx.err(`su: failed to exec ${name}: No such file or directory\n`);
    return 1;
  }
  return ctx.run(quoteWords(args), { uid, gids, mountNs: ctx.cred.mountNs });
};

const MAGISK_USAGE = `MagiskSU

Usage: su [options] [-] [user [argument...]]

Options:
  -c, --command COMMAND         Pass COMMAND to the invoked shell
  -g, --group GROUP             Specify the primary group
  -G, --supp-group GROUP        Specify a supplementary group.
                                The first specified supplementary group is also used
                                as a primary group if the option -g is not specified.
  -Z, --context CONTEXT         Change SELinux context
  -t, --target PID              PID to take mount namespace from
  -h, --help                    Display this help message and exit
  -, -l, --login                Pretend the shell to be a login shell
  -m, -p,
  --preserve-environment        Preserve the entire environment
  -s, --shell SHELL             Use SHELL instead of the default /system/bin/sh
  -v, --version                 Display version number and exit
  -V                            Display version code and exit
  -mm, -M,
  --mount-master                Force run in the global mount namespace

`;

/**
 * Magisk's su (topjohnwu/Magisk native/src/core/su/su.cpp, su_client_main; docs/tools.md):
 * `-c COMMAND` takes the rest of the words as the command; `-v` → `<version>:MAGISKSU`, `-V` →
 * the version code; `-mm`/`-M`/`--mount-master` → the global (init) namespace, `-t PID` → that
 * process's; `[user]` after the options is the uid and any words after it are ignored — without
 * `-c` the root shell reads its commands from stdin, so `su 0 id` over a non-interactive
 * `adb shell` runs nothing and exits 0. An unknown option prints the usage, exit 2. Otherwise the
 * session's namespace follows Magisk's "Mount Namespace Mode" (default "Inherit"): here a private
 * copy of the caller's, so a mount made inside it is seen neither by apps nor by a later adb
 * shell (httptoolkit/httptoolkit#441: `su -c mount` showed the tmpfs, the plain shell did not);
 * "Global" runs every session in init's.
 */
const magiskSu: Handler = async (ctx) => {
  const magisk = ctx.device.profile.device.magisk ?? {};
  const args = ctx.args.map((a) => (a === '-mm' ? '-M' : a));
  let command: string | null = null;
  let target: string | null = null;
  let user: string | null = null;
  const usage = async (code: number, prefix = '') => {
    if (code === 0) await ctx.out(MAGISK_USAGE);
    else await ctx.err(prefix + MAGISK_USAGE);
    return code;
  };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '-c' || arg === '--command' || arg.startsWith('--command=')) {
      const first = arg.startsWith('--command=') ? [arg.slice(10)] : [];
      command = [...first, ...args.slice(i + 1)].join(' ');
      i = args.length;
      break;
    }
    if (arg === '-v' || arg === '--version') {
      await ctx.out(`${magisk.version ?? '26.4'}:MAGISKSU\n`);
      return 0;
    }
    if (arg === '-V') {
      await ctx.out(`${magisk.versionCode ?? 26400}\n`);
      return 0;
    }
    if (arg === '-h' || arg === '--help') return usage(0);
    if (arg === '-M' || arg === '--mount-master') target = '0';
    else if (arg === '-t' || arg === '--target') target = args[++i] ?? '';
    else if (['-l', '--login', '-m', '-p', '--preserve-environment'].includes(arg)) continue;
    else if (['-s', '--shell', '-Z', '--context', '-g', '--group', '-G', '--supp-group'].includes(arg)) i++;
    else return usage(2, `su: invalid option -- '${arg.replace(/^-+/, '').charAt(0)}'\n`);
  }
  if (args[i] === '-') i++;
  if (i < args.length) user = args[i]!;
  const uid = user === null ? 0 : idFromName(user) ?? 0;
  let script = command;
  if (script === null) {
    // No -c: the root shell runs what arrives on stdin (nothing, for a plain `adb shell 'su 0 …'`).
    script = (await readAll(ctx.stdin, 1024 * 1024)).toString('utf8');
    if (!script.trim()) return 0;
  }
  let mountNs: string;
  if (target !== null) {
    const ns = target === '0' ? 'init' : /^\d+$/.test(target) ? ctx.device.namespaces.of(Number(target)) : null;
    if (ns === null) {
      await ctx.err(`Invalid PID: ${target}\n`);
      return usage(1);
    }
    mountNs = ns;
  } else if ((magisk.mountNamespaceMode ?? 'inherit') === 'global') mountNs = 'init';
  else {
    const session = ctx.device.namespaces.suSession(ctx.cred.mountNs ?? 'init');
    try {
      return await ctx.run(script, { uid, gids: [uid], mountNs: session.ns });
    } finally {
      session.end();
    }
  }
  return ctx.run(script, { uid, gids: [uid], mountNs });
};

/**
 * toybox nsenter: `nsenter --mount=/proc/PID/ns/mnt [--] COMMAND…` or `nsenter -t PID -m COMMAND…`.
 * setns needs root; the shell cannot even open another process's ns file.
 */
const nsenter: Handler = async (ctx) => {
  const args = [...ctx.args];
  let target: string | null = null;
  let pid: string | null = null;
  let mount = false;
  while (args.length && args[0]!.startsWith('-')) {
    const arg = args.shift()!;
    if (arg === '--') break;
    if (arg.startsWith('--mount=')) target = arg.slice(8);
    else if (arg.startsWith('-m') && arg.length > 2) target = arg.slice(2);
    else if (arg === '-m' || arg === '--mount') mount = true;
    else if (arg === '-t' || arg === '--target') pid = args.shift() ?? '';
    else if (arg.startsWith('--target=')) pid = arg.slice(9);
  }
  if (!target && mount && pid) target = `/proc/${pid}/ns/mnt`;
  if (!target || args.length === 0) {
    await ctx.err('usage: nsenter [-t pid] [-F] [-i] [-m] [-n] [-p] [-u] [-U] COMMAND...\n');
    return 1;
  }
  const match = /^\/proc\/(\d+)\/ns\/mnt$/.exec(target);
  const ns = match ? ctx.device.namespaces.of(Number(match[1])) : null;
  if (!ns) {
    await ctx.err(`nsenter: ${target}: No such file or directory\n`);
    return 1;
  }
  if (ctx.cred.uid !== 0) {
    await ctx.err(`nsenter: ${target}: Permission denied\n`);
    return 1;
  }
  return ctx.run(quoteWords(args), { ...ctx.cred, mountNs: ns });
};
const uname: Handler = async (ctx) => {
  const release = '4.14.117-perf+';
  const hostname = 'localhost';
  if (ctx.args.includes('-a')) await ctx.out(`Linux ${hostname} ${release} #1 SMP PREEMPT Mon Apr 20 10:00:00 CST 2020 aarch64\n`);
  else if (ctx.args.includes('-r')) await ctx.out(`${release}\n`);
  else if (ctx.args.includes('-m')) await ctx.out('aarch64\n');
  else await ctx.out('Linux\n');
  return 0;
};

const getenforce: Handler = async (ctx) => {
  await ctx.out('Enforcing\n');
  return 0;
};

const reboot: Handler = async (ctx) => {
  if (ctx.cred.uid !== 0) {
    await ctx.err('reboot: Operation not permitted\n');
    return 1;
  }
  setTimeout(() => ctx.device.reboot(), 50);
  return 0;
};

export const identityCommands: Record<string, Handler> = { id, whoami, su: aospSu, uname, date, getenforce, reboot, nsenter };
export { aospSu, magiskSu };
