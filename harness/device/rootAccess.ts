import { randomBytes } from 'node:crypto';
import { PhonehomeError } from '../errors.js';
import type { AdbDevice } from './adbDevice.js';
import { shellQuote } from './shellQuote.js';
import { delay } from './withTimeout.js';

/**
 * How the harness can run commands as root on a phone:
 * - 'adbd': adbd already runs as root (emulators after `adb root`, eng builds);
 * - 'su': a su binary grants uid 0 to the shell, through the `form` that printed uid=0(root);
 * - 'adb-root': a debuggable build where `adb root` would restart adbd as root (tried first there);
 * - 'none': a retail phone: user CA store only.
 */
export type RootMethod = 'adbd' | 'su' | 'adb-root' | 'none';

/**
 * The ways of handing a command to root. The su forms are the ones HTTP Toolkit tries, in its order
 * (httptoolkit-server src/interceptors/android/adb-commands.ts `runAsRootCommands`, HEAD f29feb4):
 * `su -c "<joined>"` (Magisk, SuperSU), `su -c args…`, `su root args…` (AOSP userdebug su, which
 * rejects `-c`: system/extras/su/su.cpp usage `su [WHO [COMMAND...]]`), `su root "<joined>"`.
 * 'su-mount-master' is Magisk's `--mount-master` (topjohnwu/Magisk docs/tools.md: "force run in the
 * global mount namespace"), so mounts are seen by apps and not only by the su process.
 */
export type RootForm = 'shell' | 'su-c' | 'su-c-args' | 'su-root' | 'su-root-joined' | 'su-mount-master';

const SU_FORMS: RootForm[] = ['su-c', 'su-c-args', 'su-root', 'su-root-joined'];

export interface RootAccess {
  method: RootMethod;
  /** The form that printed uid=0(root); absent when nothing did (yet: 'adb-root' before `adb root`). */
  form?: RootForm;
  /** `su -v` when it names MAGISKSU or KernelSU (their namespaces need --mount-master). */
  suVersion?: string;
  /** One line for `phonehome devices` and provisioning logs. */
  detail: string;
}

/** An argv as the phone's sh should receive it, wrapped in a root form. */
export function wrapArgv(form: RootForm, argv: string[]): string {
  const args = argv.map(shellQuote).join(' ');
  const joined = shellQuote(args);
  switch (form) {
    case 'shell': return args;
    case 'su-c': return `su -c ${joined}`;
    case 'su-c-args': return `su -c ${args}`;
    case 'su-root': return `su root ${args}`;
    case 'su-root-joined': return `su root ${joined}`;
    case 'su-mount-master': return `su --mount-master -c ${joined}`;
  }
}

/** A shell command line run as root through `form` (through `sh -c`, so every form takes pipes and &&). */
export function asRoot(form: RootForm | undefined, command: string): string {
  if (form === undefined || form === 'shell') return command;
  return wrapArgv(form, ['sh', '-c', command]);
}

/** The form a provisioning record from before forms were recorded implies. */
export function formOf(method: RootMethod, form?: RootForm): RootForm | undefined {
  if (form) return form;
  if (method === 'su') return 'su-c';
  if (method === 'adbd') return 'shell';
  return undefined;
}

/**
 * Finds out without changing anything on the phone: is adbd root; which su form prints
 * uid=0(root) (each tried, the first in HTTP Toolkit's order kept); is it Magisk or KernelSU
 * (`su -v`), and then does `--mount-master` work; is the build debuggable (`adb root` possible).
 */
export async function detectRoot(device: AdbDevice, props: Record<string, string>): Promise<RootAccess> {
  const quick = Math.min(device.timeoutMs, 5000);
  const id = await device.shell('id', { timeoutMs: quick }).catch(() => '');
  if (isRootId(id)) return { method: 'adbd', form: 'shell', detail: 'adbd runs as root' };
  const debuggable = props['ro.debuggable'] === '1';
  const hasSu = /\/su\s*$/m.test(await device.shell('command -v su', { timeoutMs: quick }).catch(() => ''));
  let form: RootForm | undefined;
  let suVersion: string | undefined;
  if (hasSu) {
    const version = (await device.shell('su -v', { timeoutMs: quick }).catch(() => '')).trim().split('\n')[0] ?? '';
    if (/MAGISKSU|KernelSU/i.test(version)) {
      suVersion = version;
      if (await printsRoot(device, 'su-mount-master', quick)) form = 'su-mount-master';
    }
    for (const candidate of SU_FORMS) {
      if (form) break;
      if (await printsRoot(device, candidate, quick)) form = candidate;
    }
  }
  const build = props['ro.build.type'] ?? 'user';
  if (debuggable) {
    return { method: 'adb-root', form, suVersion, detail: `debuggable ${build} build: adb root${form ? ` (else ${describeForm(form)})` : ''}` };
  }
  if (form) return { method: 'su', form, suVersion, detail: `${describeForm(form)}${suVersion ? ` (${suVersion})` : ''}` };
  return { method: 'none', detail: hasSu ? `su is there but no form printed uid=0(root) (was root granted to the shell?)` : `retail ${build} build without su` };
}

export function describeForm(form: RootForm): string {
  return wrapArgv(form, ['CMD']).replace(/'CMD'|CMD/, '…');
}

async function printsRoot(device: AdbDevice, form: RootForm, timeoutMs: number): Promise<boolean> {
  return isRootId(await device.shell(wrapArgv(form, ['sh', '-c', 'id']), { timeoutMs }).catch(() => ''));
}

function isRootId(text: string): boolean {
  return /uid=0\(root\)/.test(text);
}

/**
 * `adb root` and wait for the phone to come back; returns false when adbd stays unprivileged
 * (production builds answer "adbd cannot run as root in production builds").
 */
export async function restartAdbdAsRoot(device: AdbDevice, waitForPhone: () => Promise<void>): Promise<boolean> {
  const restarted = await device.root();
  if (!restarted) return false;
  for (let attempt = 0; attempt < 40; attempt++) {
    await delay(250);
    try {
      await waitForPhone();
      if (isRootId(await device.shell('id', { timeoutMs: 2000 }))) return true;
    } catch {
      // adbd is restarting; keep waiting (bounded by the loop).
    }
  }
  return false;
}

/**
 * Runs root steps as one script through `form`: `set -e`, and the steps chained with && as well,
 * so a failing step stops the rest on any sh; a random sentinel echoed last proves every step ran.
 * A failure names `step` and the script's last lines of output (errors are never discarded).
 * Returns the output before the sentinel (what the steps printed).
 */
export async function runRootScript(device: AdbDevice, form: RootForm | undefined, step: string, lines: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const sentinel = `__phonehome_ok_${randomBytes(4).toString('hex')}__`;
  const script = ['set -e', ...lines, `echo ${sentinel}`].join(' && ');
  const out = await device.shell(asRoot(form, script), { timeoutMs: options.timeoutMs ?? Math.max(device.timeoutMs, 30_000) });
  const at = out.indexOf(sentinel);
  if (at < 0) {
    const tail = out.trim().split('\n').slice(-3).join(' | ') || 'no output';
    throw new PhonehomeError(`${step} step failed on ${device.serial}: ${tail}`);
  }
  return out.slice(0, at);
}
