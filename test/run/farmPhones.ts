import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { freePort } from '../../harness/device/index.js';
import { BIN, killGroup, simDeviceEntries, spawnPhonehome } from '../scenario/simPhones.js';

export { killGroup };

/** devices.json entries for simulated phones the run launches itself, on free ports. */
export const launchedPhones = simDeviceEntries;

export async function writeDevices(file: string, devices: object[]): Promise<void> {
  await writeFile(file, JSON.stringify({ devices }, null, 2));
}

/** A `phonehome …` process with its output collected; `done` resolves with its exit code. */
export function phonehome(args: string[], cwd: string, timeoutMs = 170_000): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawnPhonehome(args, cwd);
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
  return { child, output: child.output, done };
}

/**
 * A simulated phone this test starts and may kill: `phonehome sim` in its own process. A port that
 * another process took between freePort() and the sim's bind (`already in use`, exit 2) is retried
 * on another port, twice at most; any other exit fails with the sim's own words.
 */
export async function startSim(profile: string, cwd: string): Promise<{ serial: string; child: ChildProcess; stop: () => Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSimOnce(profile, cwd);
    } catch (error) {
      if (attempt >= 3 || !/already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startSimOnce(profile: string, cwd: string): Promise<{ serial: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'sim', '--profile', profile, '--port', String(port)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`phonehome sim did not get ready: ${text}${errors}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (/ready/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`phonehome sim exited (${signal ?? `code ${code}`}): ${text}${errors}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    serial: `127.0.0.1:${port}`,
    child,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
