import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's chromium, headless, with a throwaway profile: how the report tests open index.html. */
export const CHROMIUM = process.env.PHONEHOME_CHROMIUM ?? '/usr/bin/chromium';

async function chromium(args: string[], timeoutMs = 30_000): Promise<string> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'phonehome-chromium-'));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--user-data-dir=${profile}`, ...args],
        { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => (error ? reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`)) : resolve(stdout)),
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The DOM after load (scripts, if any could run, have run): Chromium's --dump-dom. */
export function dumpDom(file: string, virtualTimeMs = 1000): Promise<string> {
  return chromium([`--virtual-time-budget=${virtualTimeMs}`, '--dump-dom', pathToFileURL(file).href]);
}

export async function screenshot(file: string, png: string, size = '1400,2200'): Promise<void> {
  await chromium([`--screenshot=${png}`, `--window-size=${size}`, '--hide-scrollbars', pathToFileURL(file).href]);
}
