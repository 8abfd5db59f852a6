import { abxCommands } from './abxCommands.js';
import { activityCommands } from './activityCommands.js';
import { contentCommands } from './contentCommand.js';
import type { Handler } from './context.js';
import { dumpsysCommands } from './dumpsysCommand.js';
import { fileCommands } from './fileCommands.js';
import { identityCommands, magiskSu } from './identityCommands.js';
import { inputCommands } from './inputCommands.js';
import { lockSettingsCommands } from './lockSettingsCommand.js';
import { logcatCommands } from './logcatCommand.js';
import { networkCommands } from './networkCommands.js';
import { packageCommands, runPackageManager } from './packageCommands.js';
import { processCommands } from './processCommands.js';
import { propertyCommands } from './propertyCommands.js';
import { screencapCommands } from './screencapCommand.js';
import { serviceCommands } from './serviceCommand.js';
import { settings } from './settingsCommand.js';
import { statusBarCommand } from './statusBarCommand.js';
import { textCommands } from './textCommands.js';
import { uiautomatorCommands } from './uiautomatorCommand.js';

/** `cmd SERVICE …`: the binder shell-command entry; services map onto the same implementations. */
function cmdCommand(registry: Map<string, Handler>): Handler {
  const services: Record<string, string> = { activity: 'am', settings: 'settings', window: 'wm', input: 'input', appops: 'appops', input_method: 'ime' };
  return async (ctx) => {
    const [service, ...rest] = ctx.args;
    if (service === '-l') {
      await ctx.out(['package', 'statusbar', ...Object.keys(services)].sort().map((s) => s + '\n').join(''));
      return 0;
    }
    if (service === 'package') return runPackageManager(ctx, rest, true);
    if (service === 'statusbar') return statusBarCommand({ ...ctx, args: rest });
    const target = service ? services[service] : undefined;
    const handler = target ? registry.get(target) : undefined;
    if (!handler || !target) {
      await ctx.err(`cmd: Can't find service: ${service ?? ''}\n`);
      return 20;
    }
    return handler({ ...ctx, name: target, args: rest });
  };
}

/** Every command the phone's shell knows beyond the builtins; `su` picks which su the phone has (none without root). */
export function shellCommands(options: { su: 'aosp' | 'magisk' | false } = { su: 'aosp' }): Map<string, Handler> {
  const registry = new Map<string, Handler>(Object.entries({
    ...propertyCommands, settings, ...packageCommands, ...activityCommands, ...dumpsysCommands, ...processCommands,
    ...inputCommands, ...fileCommands, ...identityCommands, ...textCommands, ...contentCommands, ...serviceCommands,
    ...logcatCommands, ...screencapCommands, ...lockSettingsCommands, ...uiautomatorCommands, ...networkCommands, ...abxCommands,
  }));
  registry.set('cmd', cmdCommand(registry));
  if (!options.su) registry.delete('su');
  else if (options.su === 'magisk') registry.set('su', magiskSu);
  return registry;
}
