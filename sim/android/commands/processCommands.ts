import { objectHash, type Ctx, type Handler } from './context.js';

export interface ProcessRow {
  user: string;
  pid: number;
  ppid: number;
  vsz: number;
  rss: number;
  wchan: string;
  name: string;
}

/** The processes every Android phone runs, plus the apps layer's processes. */
export function processTable(ctx: Ctx): ProcessRow[] {
  const miui = Boolean(ctx.device.profile.device.miuiVersion);
  const base: Array<[string, number, number, string]> = [
    ['root', 1, 0, 'init'], ['root', 2, 0, '[kthreadd]'], ['logd', 412, 1, 'logd'], ['root', 520, 1, 'vold'],
    ['system', 610, 1, 'surfaceflinger'], ['root', 700, 1, 'zygote64'], ['root', 701, 1, 'zygote'],
    [ctx.device.isRoot() ? 'root' : 'shell', 745, 1, 'adbd'], ['system', 1200, 700, 'system_server'],
    ['u0_a15', 1420, 700, 'com.android.systemui'], ['radio', 1611, 700, 'com.android.phone'],
    ['u0_a30', 1702, 700, 'com.android.inputmethod.latin'],
  ];
  if (miui) base.push(['system', 1810, 700, 'com.miui.securitycenter.remote'], ['u0_a70', 1905, 700, 'com.miui.analytics']);
  const rows: ProcessRow[] = base.map(([user, pid, ppid, name]) => ({
    user, pid, ppid, vsz: name.startsWith('com.') || name === 'system_server' ? 5_400_000 + pid * 13 : 12_000 + pid, rss: 40_000 + pid * 7,
    wchan: name.startsWith('[') ? 'kthreadd' : 'SyS_epoll_wait', name,
  }));
  const settings = ctx.device.appiumSettings;
  if (settings.running) rows.push({ user: `u0_a${settings.uid - 10000}`, pid: settings.pid, ppid: 700, vsz: 5_500_000, rss: 90_000, wchan: 'SyS_epoll_wait', name: 'io.appium.settings' });
  for (const app of ctx.device.apps.pids()) {
    rows.push({ user: app.user, pid: app.pid, ppid: 700, vsz: 5_600_000 + app.pid, rss: 120_000 + (app.pid % 1000) * 11, wchan: 'SyS_epoll_wait', name: app.package });
  }
  return rows.sort((a, b) => a.pid - b.pid);
}

const PS_HELP = `usage: ps [-AadefLlnwZ] [-gG GROUP,] [-k FIELD,] [-o FIELD,] [-p PID,] [-t TTY,] [-uU USER,]

List processes.

Which processes to show (-gGuUpPt selections may be comma separated lists):

-A  All					-a  Has terminal not session leader
-d  All but session leaders		-e  Synonym for -A
-g  In GROUPs				-G  In real GROUPs (before sgid)
-p  PIDs (--pid)			-P  Parent PIDs (--ppid)
-s  In session IDs			-t  Attached to selected TTYs
-T  Show threads also			-u  Owned by selected USERs
-U  Real USERs (before suid)

Output modifiers:

-k  Sort FIELDs (-FIELD to reverse)	-M  Measure/pad future field widths
-n  Show numeric USER and GROUP		-w  Wide output (don't truncate fields)

Which FIELDs to show. (-o HELP for list, default = -o PID,TTY,TIME,CMD)

-f  Full listing (-o USER:12=UID,PID,PPID,C,STIME,TTY,TIME,ARGS=CMD)
-l  Long listing (-o F,S,UID,PID,PPID,C,PRI,NI,ADDR,SZ,WCHAN,TTY,TIME,CMD)
-o  Output FIELDs instead of defaults, each with optional :size and =title
-O  Add FIELDS to defaults
-Z  Include LABEL
`;

function formatRows(rows: ProcessRow[]): string {
  const header = 'USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME                       \n';
  return header + rows.map((r) => `${r.user.padEnd(10)} ${String(r.pid).padStart(5)} ${String(r.ppid).padStart(5)} ${String(r.vsz).padStart(7)} ${String(r.rss).padStart(6)} ${r.wchan.padEnd(16)}    0 S ${r.name}\n`).join('');
}

const ps: Handler = async (ctx) => {
  const args = ctx.args;
  if (args.includes('--help') || args.includes('-h')) {
    await ctx.out(PS_HELP);
    return 0;
  }
  let rows = processTable(ctx);
  const all = args.some((a) => /^-[A-Za-z]*[Ae]/.test(a));
  const pIndex = args.indexOf('-p');
  const names = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-p' && args[i - 1] !== '-o');
  if (pIndex >= 0) {
    const pids = new Set((args[pIndex + 1] ?? '').split(',').map(Number));
    rows = rows.filter((r) => pids.has(r.pid));
  } else if (names.length) {
    rows = rows.filter((r) => names.includes(r.name) || names.includes(String(r.pid)));
  } else if (!all) {
    // toybox ps without -A: only this session (the shell and ps itself).
    const user = ctx.cred.uid === 0 ? 'root' : 'shell';
    rows = [
      { user, pid: 4321, ppid: 745, vsz: 10_800, rss: 2_900, wchan: 'sigsuspend', name: 'sh' },
      { user, pid: 4322, ppid: 4321, vsz: 10_900, rss: 3_100, wchan: '0', name: 'ps' },
    ];
  }
  await ctx.out(formatRows(rows));
  return 0;
};

const pidof: Handler = async (ctx) => {
  const rows = processTable(ctx);
  const pids = ctx.args.filter((a) => !a.startsWith('-')).flatMap((name) => rows.filter((r) => r.name === name).map((r) => r.pid));
  if (pids.length === 0) return 1;
  await ctx.out(pids.join(' ') + '\n');
  return 0;
};

const kill: Handler = async (ctx) => {
  const rows = processTable(ctx);
  let status = 0;
  for (const arg of ctx.args.filter((a) => !a.startsWith('-'))) {
    const row = rows.find((r) => r.pid === Number(arg));
    if (!row) {
      await ctx.err(`kill: ${arg}: No such process\n`);
      status = 1;
      continue;
    }
    const mine = row.user === 'shell' && ctx.cred.uid === 2000;
    if (ctx.cred.uid !== 0 && !mine) {
      await ctx.err(`kill: ${arg}: Operation not permitted\n`);
      status = 1;
      continue;
    }
    if (row.name.includes('.')) ctx.device.apps.forceStop(row.name.split(':')[0]!);
  }
  return status;
};

export const processCommands: Record<string, Handler> = { ps, pidof, kill };
export { objectHash };
