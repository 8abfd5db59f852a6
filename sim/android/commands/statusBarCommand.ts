import type { Ctx } from './context.js';

/**
 * `cmd statusbar expand-notifications | expand-settings | collapse`: the shell commands of AOSP's
 * StatusBarManagerService (StatusBarShellCommand), which expand the notification shade or quick
 * settings and collapse them, printing nothing. The tile, icon and disable commands are not
 * modelled: they answer as an unknown command does (ShellCommand: "Unknown command: X", -1).
 */
export async function statusBarCommand(ctx: Ctx): Promise<number> {
  const [command] = ctx.args;
  if (command === 'expand-notifications' || command === 'expand-settings' || command === 'collapse') {
    ctx.device.apps.statusBar?.(command);
    return 0;
  }
  if (command === undefined || command === 'help' || command === '-h') {
    await ctx.out('Status bar commands:\n  help\n    Print this help text.\n\n  expand-notifications\n    Open the notifications panel.\n\n  expand-settings\n    Open the notifications panel and expand quick settings if present.\n\n  collapse\n    Collapse the notifications and settings panel.\n\n');
    return 0;
  }
  await ctx.err(`Unknown command: ${command}\n`);
  return 255;
}
