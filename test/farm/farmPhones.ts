import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const BIN = path.resolve('harness/phonehome.js');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** devices.json entries for simulated phones the run launches itself, on free ports. */
export async function launchedPhones(phones: Array<{ name: string; profile: string; tags?: string[] }>): Promise<object[]> {
  const out = [];
  for (const p of phones) {
    const port = await freePort();
    out.push({ name: p.name, serial: `127.0.0.1:${port}`, ...(p.tags ? { tags: p.tags } : {}), launch: { command: 'phonehome', args: ['sim', '--profile', p.profile, '--port', String(port)], readyTimeoutMs: 30000 } });
  }
  return out;
}

export async function writeDevices(file: string, devices: object[]): Promise<void> {
  await writeFile(file, JSON.stringify({ devices }, null, 2));
}

/** A `phonehome …` process with its output collected; `done` resolves with its exit code. */
export function phonehome(args: string[], cwd: string, timeoutMs = 170_000): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
  return { child, output: () => output, done };
}

/** SIGKILL to the process group (a run and the phones it launched). */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** A simulated phone this test starts and may kill: `phonehome sim` in its own process. */
export async function startSim(profile: string, cwd: string): Promise<{ serial: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'sim', '--profile', profile, '--port', String(port)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`phonehome sim did not get ready: ${text}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (/ready/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`phonehome sim exited: ${text}`)));
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
