import { AndroidDevice, ROOT, SHELL_USER } from '../../sim/android/index.js';
import type { Credentials } from '../../sim/android/index.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line on the phone's shell (no adb in between) and collects its output. */
export async function sh(device: AndroidDevice, line: string, options: { root?: boolean; stdin?: Buffer; cred?: Credentials } = {}): Promise<Run> {
  const process = device.spawn(line, options.cred ?? (options.root ? ROOT : SHELL_USER));
  if (options.stdin) process.stdin.write(options.stdin);
  process.stdin.end();
  const read = async (s: NodeJS.ReadableStream) => {
    const chunks: Buffer[] = [];
    for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  };
  const [stdout, stderr, code] = await Promise.all([read(process.stdout), read(process.stderr), process.exit]);
  return { code, stdout, stderr };
}
