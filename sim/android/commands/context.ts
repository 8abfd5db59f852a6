import type { AndroidDevice } from '../androidDevice.js';
import type { CommandContext, CommandHandler } from '../shell/interpreter.js';

export type Ctx = CommandContext<AndroidDevice>;
export type Handler = CommandHandler<AndroidDevice>;

/** Android user/group names (android_filesystem_config.h) for ls -l, id, chown. */
export const ID_NAMES: Record<number, string> = {
  0: 'root', 1000: 'system', 1001: 'radio', 1004: 'input', 1007: 'log', 1011: 'adb', 1015: 'sdcard_rw', 1028: 'sdcard_r',
  1078: 'ext_data_rw', 1079: 'ext_obb_rw', 2000: 'shell', 3001: 'net_bt_admin', 3002: 'net_bt', 3003: 'inet', 3006: 'net_bw_stats',
  3009: 'readproc', 3011: 'uhid', 9997: 'everybody', 9998: 'misc',
};

export function idName(id: number): string {
  if (ID_NAMES[id]) return ID_NAMES[id]!;
  if (id >= 10000 && id < 20000) return `u0_a${id - 10000}`;
  return String(id);
}

export function idFromName(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const entry = Object.entries(ID_NAMES).find(([, n]) => n === name);
  if (entry) return Number(entry[0]);
  const app = /^u0_a(\d+)$/.exec(name);
  return app ? 10000 + Number(app[1]) : undefined;
}

/** Splits `-abc` style flags from operands (stops at `--`). */
export function splitFlags(args: string[], withValue: string[] = []): { flags: Map<string, string | true>; operands: string[] } {
  const flags = new Map<string, string | true>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      if (withValue.includes(arg)) flags.set(arg, args[++i] ?? '');
      else flags.set(arg, true);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      for (let j = 1; j < arg.length; j++) {
        const flag = '-' + arg[j];
        if (withValue.includes(flag)) {
          flags.set(flag, arg.slice(j + 1) || (args[++i] ?? ''));
          break;
        }
        flags.set(flag, true);
      }
    } else operands.push(arg);
  }
  return { flags, operands };
}

/** A stable 7-hex-digit object hash, like the ones in Android's dumpsys records. */
export function objectHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return (h & 0xfffffff).toString(16).padStart(7, '0');
}
