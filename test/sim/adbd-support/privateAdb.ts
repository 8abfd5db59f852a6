import { execFile } from 'node:child_process';
import adbkit from '@devicefarmer/adbkit';
import { freePort } from '../../../harness/device/index.js';

export interface AdbResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A private adb server (never the default 5037) for one test file, killed by stop(). */
export class PrivateAdb {
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    const result = await this.run(['start-server']);
    if (result.code !== 0) throw new Error(`adb start-server failed: ${result.stderr}`);
  }

  async stop(): Promise<void> {
    if (this.port) await this.run(['kill-server']);
  }

  run(args: string[], options: { timeoutMs?: number; encoding?: 'utf8' | 'buffer' } = {}): Promise<AdbResult> {
    return new Promise((resolve) => {
      execFile('adb', ['-P', String(this.port), ...args], { timeout: options.timeoutMs ?? 20000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** `adb connect` until the device is listed in `state` (the transport comes up asynchronously). */
  async connect(serial: string, state = 'device', timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      await this.run(['connect', serial]);
      last = (await this.run(['devices', '-l'])).stdout;
      const line = last.split('\n').find((l) => l.startsWith(serial + ' ') || l.startsWith(serial + '\t'));
      if (line && line.split(/\s+/)[1] === state) return line;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${serial} did not reach state '${state}' within ${timeoutMs} ms; last 'adb devices -l':\n${last}`);
  }

  shell(serial: string, command: string): Promise<AdbResult> {
    return this.run(['-s', serial, 'shell', command]);
  }

  client() {
    // adbkit is CommonJS: depending on the loader the default import is module.exports or its `default`.
    const Adb = (adbkit as unknown as { Adb?: typeof adbkit.Adb }).Adb ?? (adbkit as unknown as typeof adbkit.Adb);
    return Adb.createClient({ port: this.port, host: '127.0.0.1' });
  }
}
