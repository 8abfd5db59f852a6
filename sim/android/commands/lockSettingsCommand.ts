import type { AndroidDevice } from '../androidDevice.js';
import type { Handler } from './context.js';

/**
 * `locksettings` (a shell command of the LockSettings service since Android 8.0): AOSP
 * frameworks/base/services/core/java/com/android/server/locksettings/LockSettingsShellCommand.java
 * (android-10.0.0_r1): verbs help, get-disabled, set-disabled, set-pin, set-password,
 * set-pattern, clear, verify; `--old CREDENTIAL` is needed once a credential is set, otherwise
 * "Old password '<old>' didn't match" (exit 255, as the shell command's exceptions end).
 * appium-adb tools/lockmgmt.js drives exactly these verbs and reads these lines. The help text's
 * wording beyond the verbs is unverified. A fresh test phone has no credential (swipe), so
 * get-disabled prints false, as a phone with a swipe lock screen does.
 */
interface LockState {
  disabled: boolean;
  credential: { kind: 'pin' | 'password' | 'pattern'; value: string } | null;
}
const states = new WeakMap<AndroidDevice, LockState>();

function stateOf(device: AndroidDevice): LockState {
  let s = states.get(device);
  if (!s) states.set(device, (s = { disabled: false, credential: null }));
  return s;
}

/** Whether the phone has a PIN, password or pattern set (for `dumpsys window` keyguard lines). */
export function hasLockCredential(device: AndroidDevice): boolean {
  return stateOf(device).credential !== null;
}

const HELP = [
  'locksettings service commands:',
  '',
  'NOTE: when lock screen is set, all commands require the --old <CREDENTIAL> argument.',
  '',
  '  help',
  '    Prints this help text.',
  '',
  '  get-disabled [--old <CREDENTIAL>] [--user USER_ID]',
  '    Checks whether lock screen is disabled.',
  '',
  '  set-disabled [--old <CREDENTIAL>] [--user USER_ID] <true|false>',
  '    When true, disables lock screen.',
  '',
  '  set-pattern [--old <CREDENTIAL>] [--user USER_ID] <PATTERN>',
  '    Sets the lock screen as pattern, using the given PATTERN to unlock.',
  '',
  '  set-pin [--old <CREDENTIAL>] [--user USER_ID] <PIN>',
  '    Sets the lock screen as PIN, using the given PIN to unlock.',
  '',
  '  set-password [--old <CREDENTIAL>] [--user USER_ID] <PASSWORD>',
  '    Sets the lock screen as password, using the given PASSOWRD to unlock.',
  '',
  '  clear [--old <CREDENTIAL>] [--user USER_ID]',
  '    Clears the lock credentials.',
  '',
  '  verify [--old <CREDENTIAL>] [--user USER_ID]',
  '    Verifies the lock credentials.',
  '',
].join('\n');

export const locksettings: Handler = async (ctx) => {
  if (ctx.device.profile.device.sdk < 26) {
    // Added in Android 8.0 (appium-adb isLockManagementSupported: "added to Android toolset since API 27 Oreo").
    await ctx.err('/system/bin/sh: locksettings: inaccessible or not found\n');
    return 127;
  }
  const state = stateOf(ctx.device);
  let old = '';
  const operands: string[] = [];
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i]!;
    if (a === '--old') old = ctx.args[++i] ?? '';
    else if (a === '--user') i++;
    else operands.push(a);
  }
  const [verb, arg] = operands;
  if (verb === undefined || verb === 'help' || verb === '-h') {
    await ctx.out(HELP + '\n');
    return 0;
  }
  const verbs = ['get-disabled', 'set-disabled', 'set-pin', 'set-password', 'set-pattern', 'clear', 'verify'];
  if (!verbs.includes(verb)) {
    await ctx.err(`Unknown command: ${verb}\n`);
    return 255;
  }
  if (state.credential && old !== state.credential.value) {
    await ctx.err(`Old password '${old}' didn't match\n`);
    return 255;
  }
  switch (verb) {
    case 'get-disabled':
      await ctx.out(`${state.disabled}\n`);
      return 0;
    case 'set-disabled': {
      const disabled = arg === 'true';
      state.disabled = disabled;
      await ctx.out(`Lock screen disabled set to ${disabled}\n`);
      return 0;
    }
    case 'set-pin':
    case 'set-password':
    case 'set-pattern': {
      if (!arg) {
        await ctx.err(`Error: Credential can't be null or empty\n`);
        return 255;
      }
      const kind = verb.slice(4) as 'pin' | 'password' | 'pattern';
      state.credential = { kind, value: arg };
      await ctx.out(`${kind === 'pin' ? 'Pin' : kind === 'password' ? 'Password' : 'Pattern'} set to '${arg}'\n`);
      return 0;
    }
    case 'clear':
      state.credential = null;
      await ctx.out('Lock credential cleared\n');
      return 0;
    default:
      await ctx.out('Lock credential verified successfully\n');
      return 0;
  }
};

export const lockSettingsCommands: Record<string, Handler> = { locksettings };
