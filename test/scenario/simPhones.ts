import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../harness/device/index.js';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

/** The phonehome command the tests spawn (compiled when the build is fresh: test/phonehomeBin.ts). */
export const BIN = PHONEHOME_BIN;

/** devices.json entries for simulated phones the run launches itself, on free ports (never the committed 5555…: others run tests too). */
export async function simDeviceEntries(phones: Array<{ name: string; profile: string; tags?: string[] }>): Promise<object[]> {
  const devices = [];
  for (const { name, profile, tags } of phones) {
    const port = await freePort();
    // Each with its control socket, as a person's hand on the phone (an SMS arriving, a Mi Account sign-in).
    const control = path.join(os.tmpdir(), `phonehome-sim-${port}.sock`);
    devices.push({ name, serial: `127.0.0.1:${port}`, ...(tags ? { tags } : {}), launch: { command: 'phonehome', args: ['sim', '--profile', profile, '--port', String(port), '--control', control], readyTimeoutMs: 30000 } });
  }
  return devices;
}

/** A devices.json of simulated phones whose default is the first. */
export async function writeSimDevices(file: string, phones: Array<{ name: string; profile: string }>): Promise<void> {
  await writeFile(file, JSON.stringify({ default: phones[0]!.name, devices: await simDeviceEntries(phones) }, null, 2));
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `phonehome …` as a user runs it, bounded by timeoutMs. */
export function phonehome(args: string[], options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 110_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGTERM' }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Started in its own process group, so the phone it launches can be killed with it. */
export function spawnPhonehome(args: string[], cwd: string): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

/** SIGKILL to the whole group (the run and the simulated phone it launched). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
