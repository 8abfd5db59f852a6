import { readBinaryXml, writeTextXml } from '../binaryXml.js';
import { FsError, normalizePath } from '../fileSystem.js';
import { BINARY_XML_SDK } from '../ssaidSettings.js';
import { readAll } from '../shell/io.js';
import type { Handler } from './context.js';

/**
 * `abx2xml [-i] INPUT [OUTPUT]` (Android 12+; `-` is stdin/stdout; `-i` rewrites INPUT in place):
 * AOSP frameworks/base/cmds/abx (Abx.java, the `abx2xml` script runs it through app_process).
 * What it prints for input that is not ABX and for an unreadable file is **unverified** (a Java
 * exception line here); the harness only reads the converted text.
 */
const abx2xml: Handler = async (ctx) => {
  if (ctx.device.profile.device.sdk < BINARY_XML_SDK) {
    await ctx.err('/system/bin/sh: abx2xml: inaccessible or not found\n');
    return 127;
  }
  const inPlace = ctx.args[0] === '-i';
  const [input, output] = inPlace ? [ctx.args[1], ctx.args[1]] : [ctx.args[0], ctx.args[1]];
  if (!input) {
    await ctx.err('usage: abx2xml [-i] input [output]\n');
    return 1;
  }
  const path = (p: string) => normalizePath(p, ctx.env.cwd);
  try {
    const data = input === '-' ? await readAll(ctx.stdin, 16 * 1024 * 1024) : ctx.device.readFile(path(input), ctx.cred);
    const text = writeTextXml(readBinaryXml(data));
    if (!output || output === '-') await ctx.out(text);
    else ctx.device.writeFile(path(output), Buffer.from(text), ctx.cred);
    return 0;
  } catch (error) {
    const message = error instanceof FsError ? `java.io.FileNotFoundException: ${input}: open failed: ${error.code}` : `java.io.IOException: ${(error as Error).message}`;
    await ctx.err(`Exception in thread "main" ${message}\n`);
    return 1;
  }
};

export const abxCommands: Record<string, Handler> = { abx2xml };
