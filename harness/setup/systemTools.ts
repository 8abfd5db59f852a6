import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A program phonehome needs from the system, and the Debian package that provides it. */
export interface SystemTool {
  command: string;
  debianPackage: string;
  /** Needed for: shown to the user. */
  purpose: string;
  required: boolean;
  /** Also required for these purposes (`phonehome doctor --for tests`). */
  requiredFor?: Array<'tests'>;
  versionArgs: string[];
}

export const SYSTEM_TOOLS: SystemTool[] = [
  { command: 'adb', debianPackage: 'adb', purpose: 'talks to phones (the real adb server)', required: true, versionArgs: ['version'] },
  { command: 'chromium', debianPackage: 'chromium', purpose: 'checks HTML reports and records control traffic in tests', required: false, requiredFor: ['tests'], versionArgs: ['--version'] },
  { command: 'curl', debianPackage: 'curl', purpose: 'a real HTTP/1.0 and HTTP/2 client in the capture tests', required: false, requiredFor: ['tests'], versionArgs: ['--version'] },
  { command: 'mksh', debianPackage: 'mksh', purpose: "Android's shell, which the simulated phone's shell is checked against in tests", required: false, requiredFor: ['tests'], versionArgs: ['-c', 'echo $KSH_VERSION'] },
  { command: 'mitmdump', debianPackage: 'mitmproxy', purpose: 'baseline for bench/capture', required: false, versionArgs: ['--version'] },
  { command: 'java', debianPackage: 'openjdk-17-jre-headless', purpose: 'Selenium Grid for farm runs', required: false, versionArgs: ['-version'] },
];

export interface ToolStatus {
  tool: SystemTool;
  found: boolean;
  version?: string;
}

export async function checkTool(tool: SystemTool): Promise<ToolStatus> {
  try {
    const { stdout, stderr } = await run(tool.command, tool.versionArgs, { timeout: 10_000 });
    const version = (stdout || stderr).split('\n').find((l) => l.trim() !== '')?.trim();
    return { tool, found: true, version };
  } catch (error) {
    // A program that exists but exits non-zero for its version flag is still there.
    const code = (error as NodeJS.ErrnoException).code;
    return { tool, found: code !== 'ENOENT' };
  }
}

/** Installs Debian packages with apt-get; only attempted as root on a Debian-like system. */
export async function aptInstall(packages: string[], log: (line: string) => void): Promise<{ ok: boolean; why?: string }> {
  if (packages.length === 0) return { ok: true };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, why: `not root: run 'sudo apt-get install -y ${packages.join(' ')}'` };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    log(`installing ${packages.join(', ')} with apt-get …`);
    await run('apt-get', ['update', '-qq'], { env, timeout: 300_000 });
    await run('apt-get', ['install', '-y', '-qq', ...packages], { env, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, why: `apt-get failed (${message}); install them by hand: apt-get install -y ${packages.join(' ')}` };
  }
}
