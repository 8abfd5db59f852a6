import { LogFilter, encodeBinary, formatBrief, formatThreadtime, type LogEntry } from '../logcatBuffer.js';
import type { Handler } from './context.js';

/** logcat: -v threadtime|brief|time, -B binary, -c, -d, -t N, -s, -b (accepted), -g, filterspecs. */
export const logcat: Handler = async (ctx) => {
  let format = 'threadtime';
  let binary = false;
  let dump = false;
  let clear = false;
  let tail: number | null = null;
  let silent = false;
  const specs: string[] = [];
  const args = ctx.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-v') format = args[++i] ?? format;
    else if (a.startsWith('-v') && a.length > 2) format = a.slice(2);
    else if (a === '-B' || a === '--binary') binary = true;
    else if (a === '-c' || a === '--clear') clear = true;
    else if (a === '-d') dump = true;
    else if (a === '-t' || a === '-T') {
      tail = Number(args[++i]);
      if (a === '-t') dump = true;
    } else if (a === '-s') silent = true;
    else if (a === '-b' || a === '--buffer') i++;
    else if (a === '-g') {
      await ctx.out('main: ring buffer is 256 KiB (231 KiB consumed), max entry is 5120 B, max payload is 4068 B\n');
      return 0;
    } else if (a.startsWith('-')) {
      await ctx.err(`logcat: unknown option -- ${a.replace(/^-+/, '')}\nUsage: logcat [options] [filterspecs]\n`);
      return 1;
    } else specs.push(a);
  }
  if (clear) {
    ctx.device.logcat.clear();
    return 0;
  }
  if (!['threadtime', 'brief', 'time', 'long', 'raw', 'tag', 'process'].includes(format)) {
    await ctx.err(`logcat: Invalid parameter "${format}" to -v\n`);
    return 1;
  }
  const envTags = (ctx.env.vars.get('ANDROID_LOG_TAGS') ?? '').replace(/^'+|'+$/g, '').split(/\s+/).filter(Boolean);
  const filter = LogFilter.parse([...envTags, ...specs]);
  if (typeof filter === 'string') {
    await ctx.err(`logcat: ${filter}\n`);
    return 1;
  }
  if (silent) filter.silenceOthers();
  const render = (entry: LogEntry): Buffer | string => {
    if (binary) return encodeBinary(entry);
    if (format === 'brief') return formatBrief(entry);
    if (format === 'raw') return entry.message + '\n';
    return formatThreadtime(entry);
  };

  let entries = ctx.device.logcat.snapshot().filter((e) => filter.accepts(e));
  if (tail !== null && Number.isFinite(tail)) entries = entries.slice(Math.max(0, entries.length - tail));
  if (!binary) await ctx.out('--------- beginning of main\n');
  // Follow mode subscribes first so nothing logged while the backlog is written is lost.
  const queue: LogEntry[] = [];
  let wake: (() => void) | null = null;
  const onEntry = (entry: LogEntry) => {
    if (!filter.accepts(entry)) return;
    if (queue.length < 10000) queue.push(entry);
    wake?.();
  };
  // One abort listener for the whole follow loop (one per wake would pile up on long sessions).
  const onAbort = () => wake?.();
  if (!dump) {
    ctx.device.logcat.on('entry', onEntry);
    ctx.signal.addEventListener('abort', onAbort);
  }
  try {
    for (const entry of entries) await ctx.out(render(entry));
    if (dump) return 0;
    while (!ctx.signal.aborted) {
      while (queue.length) await ctx.out(render(queue.shift()!));
      if (ctx.signal.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    return 0;
  } finally {
    ctx.device.logcat.off('entry', onEntry);
    ctx.signal.removeEventListener('abort', onAbort);
  }
};

export const logcatCommands: Record<string, Handler> = { logcat };
