import { normalizePath } from '../fileSystem.js';
import { readAll } from '../shell/io.js';
import { splitFlags, type Ctx, type Handler } from './context.js';

async function inputText(ctx: Ctx, files: string[]): Promise<string> {
  if (files.length === 0) return (await readAll(ctx.stdin, 64 * 1024 * 1024)).toString('utf8');
  return files.map((f) => ctx.device.readFile(normalizePath(f, ctx.env.cwd), ctx.cred).toString('utf8')).join('');
}

function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

const grep: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args, ['-e', '-m']);
  const pattern = flags.has('-e') ? String(flags.get('-e')) : operands.shift();
  if (pattern === undefined) {
    await ctx.err('usage: grep [-EFivcqo] PATTERN [FILE...]\n');
    return 2;
  }
  let regex: RegExp;
  try {
    const source = flags.has('-F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : flags.has('-E') ? pattern : pattern.replace(/\\([|(){}+?])/g, '$1');
    regex = new RegExp(source, flags.has('-i') ? 'i' : '');
  } catch {
    await ctx.err(`grep: bad regex '${pattern}'\n`);
    return 2;
  }
  const matched = lines(await inputText(ctx, operands)).filter((line) => regex.test(line) !== flags.has('-v'));
  if (flags.has('-q')) return matched.length ? 0 : 1;
  if (flags.has('-c')) await ctx.out(`${matched.length}\n`);
  else if (flags.has('-o')) await ctx.out(matched.map((l) => (l.match(regex)?.[0] ?? '') + '\n').join(''));
  else await ctx.out(matched.map((l) => l + '\n').join(''));
  return matched.length ? 0 : 1;
};

function headTail(tail: boolean): Handler {
  return async (ctx) => {
    const args = ctx.args.map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
    const { flags, operands } = splitFlags(args, ['-n']);
    const count = Number(flags.get('-n') ?? 10);
    const all = lines(await inputText(ctx, operands));
    const picked = tail ? all.slice(Math.max(0, all.length - count)) : all.slice(0, count);
    await ctx.out(picked.map((l) => l + '\n').join(''));
    return 0;
  };
}

const wc: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const text = await inputText(ctx, operands);
  if (flags.has('-l')) await ctx.out(`${lines(text).length}\n`);
  else if (flags.has('-c')) await ctx.out(`${Buffer.byteLength(text)}\n`);
  else await ctx.out(`${lines(text).length} ${text.split(/\s+/).filter(Boolean).length} ${Buffer.byteLength(text)}\n`);
  return 0;
};

export const textCommands: Record<string, Handler> = { grep, head: headTail(false), tail: headTail(true), wc };
