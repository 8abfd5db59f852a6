import { ROOT } from '../fileSystem.js';
import { idName, type Handler } from './context.js';

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

/** AOSP's userdebug su: `su [UID [COMMAND…]]`, plus the common `su -c 'cmd'` form. */
const su: Handler = async (ctx) => {
  const args = [...ctx.args];
  if (args[0] === '-c') return ctx.run(args.slice(1).join(' '), ROOT);
  if (args[0] === '0' || args[0] === 'root') args.shift();
  if (args[0] === '-c') return ctx.run(args.slice(1).join(' '), ROOT);
  if (args.length === 0) {
    await ctx.err('su: interactive su is not supported here; use su 0 COMMAND\n');
    return 1;
  }
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ctx.run(quoted, ROOT);
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

const date: Handler = async (ctx) => {
  const now = new Date();
  const format = ctx.args.find((a) => a.startsWith('+'));
  if (format === '+%s') await ctx.out(`${Math.floor(now.getTime() / 1000)}\n`);
  else if (format) {
    const pad = (n: number) => String(n).padStart(2, '0');
    const text = format.slice(1).replace(/%([YmdHMSs%])/g, (_m, c: string) => ({
      Y: String(now.getFullYear()), m: pad(now.getMonth() + 1), d: pad(now.getDate()), H: pad(now.getHours()), M: pad(now.getMinutes()),
      S: pad(now.getSeconds()), s: String(Math.floor(now.getTime() / 1000)), '%': '%',
    }[c] ?? ''));
    await ctx.out(text + '\n');
  } else await ctx.out(now.toString().replace(/ GMT.*$/, ' ' + now.getFullYear()).replace(/ (\d{4}) (\d\d:\d\d:\d\d)/, ' $2') + '\n');
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

export const identityCommands: Record<string, Handler> = { id, whoami, su, uname, date, getenforce, reboot };
