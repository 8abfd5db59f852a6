import { PNG } from 'pngjs';
import { normalizePath } from '../fileSystem.js';
import type { Handler } from './context.js';

/** `screencap -p [FILE]`: PNG of the screen (from the apps layer); without -p the raw RGBA dump. */
export const screencap: Handler = async (ctx) => {
  const png = ctx.args.includes('-p');
  const file = ctx.args.filter((a) => !a.startsWith('-')).pop();
  const image = await ctx.device.apps.screencap();
  let output: Buffer = image;
  if (!png && !(file && file.endsWith('.png'))) {
    const decoded = PNG.sync.read(image);
    const header = Buffer.alloc(ctx.device.profile.device.sdk >= 28 ? 16 : 12);
    header.writeUInt32LE(decoded.width, 0);
    header.writeUInt32LE(decoded.height, 4);
    header.writeUInt32LE(1, 8); // PIXEL_FORMAT_RGBA_8888
    output = Buffer.concat([header, decoded.data]);
  }
  if (file) {
    ctx.device.writeFile(normalizePath(file, ctx.env.cwd), output, ctx.cred);
    return 0;
  }
  await ctx.out(output);
  return 0;
};

export const screencapCommands: Record<string, Handler> = { screencap };
