import type { Handler } from './context.js';

const getprop: Handler = async (ctx) => {
  const props = ctx.device.props;
  if (ctx.args.length === 0) {
    await ctx.out(props.entries().map(([k, v]) => `[${k}]: [${v}]\n`).join(''));
    return 0;
  }
  const [key, fallback] = ctx.args as [string, string | undefined];
  await ctx.out(`${props.get(key) ?? fallback ?? ''}\n`);
  return 0;
};

const setprop: Handler = async (ctx) => {
  const [key, value] = ctx.args;
  if (key === undefined || value === undefined) {
    await ctx.err('usage: setprop NAME VALUE\n\nSets an Android system property.\n');
    return 1;
  }
  if (!ctx.device.props.set(key, value)) {
    await ctx.err(`setprop: failed to set property '${key}' to '${value}'\n`);
    return 1;
  }
  return 0;
};

export const propertyCommands: Record<string, Handler> = { getprop, setprop };
