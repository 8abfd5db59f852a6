import { APPIUM_SETTINGS } from '../appiumSettingsService.js';
import type { Ctx, Handler } from './context.js';

interface Intent {
  action?: string;
  data?: string;
  type?: string;
  categories: string[];
  component?: { package: string; activity?: string };
  flags?: string;
  extras: string[];
  wait: boolean;
  stopFirst: boolean;
  packageOnly?: string;
  /** `--user`: a number, 'current'/'cur' or 'all' as given (AOSP UserHandle.parseUserArg). */
  user?: string;
}

const ACTION_PACKAGES: Record<string, string> = { 'android.credentials.INSTALL': 'com.android.certinstaller', 'android.settings.SETTINGS': 'com.android.settings' };

const EXTRA_WITH_VALUE = new Set(['--es', '--esn', '--ez', '--ei', '--el', '--ef', '--eu', '--ecn', '--eia', '--ela', '--efa', '--esa', '--e']);

function parseIntent(args: string[]): Intent | string {
  const intent: Intent = { categories: [], extras: [], wait: false, stopFirst: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    switch (a) {
      case '-a': intent.action = args[++i]; break;
      case '-d': intent.data = args[++i]; break;
      case '-t': intent.type = args[++i]; break;
      case '-c': intent.categories.push(args[++i] ?? ''); break;
      case '-f': intent.flags = args[++i]; break;
      case '-W': intent.wait = true; break;
      case '-S': intent.stopFirst = true; break;
      case '-D': case '-N': case '-R': case '--track-allocation': case '--activity-clear-top': case '--activity-new-task':
      case '--activity-single-top': case '--activity-clear-task': case '--activity-no-history': case '--receiver-foreground':
      case '--grant-read-uri-permission': case '--grant-write-uri-permission': case '--include-stopped-packages':
        break;
      case '--user': intent.user = args[++i]; break;
      case '-P': case '--start-profiler': case '--sampling': case '--windowingMode': case '--activityType': case '--display':
        i++;
        break;
      case '-n': {
        const value = args[++i] ?? '';
        const slash = value.indexOf('/');
        if (slash < 0) return `Error: Bad component name: ${value}`;
        const pkg = value.slice(0, slash);
        let activity = value.slice(slash + 1);
        if (activity.startsWith('.')) activity = pkg + activity;
        intent.component = { package: pkg, activity };
        break;
      }
      default:
        if (EXTRA_WITH_VALUE.has(a)) {
          intent.extras.push(`${args[i + 1]}`);
          i += 2;
        } else if (a.startsWith('-')) {
          return `Error: Unknown option: ${a}`;
        } else {
          // A bare package name or URI (am start pkg / am start URI).
          if (/^[a-z][\w.]*$/i.test(a) && a.includes('.') && !a.includes(':')) intent.packageOnly = a;
          else intent.data = a;
        }
    }
  }
  return intent;
}

function describe(intent: Intent): string {
  const parts: string[] = [];
  if (intent.action) parts.push(`act=${intent.action}`);
  if (intent.categories.length) parts.push(`cat=[${intent.categories.join(',')}]`);
  if (intent.data) parts.push(`dat=${intent.data}`);
  if (intent.type) parts.push(`typ=${intent.type}`);
  if (intent.flags) parts.push(`flg=${intent.flags}`);
  if (intent.component) {
    const { package: pkg, activity = '' } = intent.component;
    parts.push(`cmp=${pkg}/${activity.startsWith(pkg + '.') ? activity.slice(pkg.length) : activity}`);
  } else if (intent.packageOnly) parts.push(`pkg=${intent.packageOnly}`);
  if (intent.extras.length) parts.push('(has extras)');
  return `Intent { ${parts.join(' ')} }`;
}

async function start(ctx: Ctx, args: string[]): Promise<number> {
  const intent = parseIntent(args);
  if (typeof intent === 'string') {
    await ctx.err(intent + '\n');
    return 1;
  }
  // am start defaults to the current user (ActivityManagerShellCommand: mUserId = USER_CURRENT).
  const user = intent.user === undefined || intent.user === 'current' || intent.user === 'cur' ? ctx.device.currentUser : Number(intent.user);
  if (!Number.isInteger(user) || !ctx.device.users.includes(user)) {
    await ctx.err(`Error: user ${intent.user ?? ''} does not exist on this phone\n`);
    return 1;
  }
  await ctx.out(`Starting: ${describe(intent)}\n`);
  // Another user's activity starts in that user's background session: nothing shows on the screen
  // the current user sees (unverified: modelled so that `am start` without the current user's
  // --user on a Second space phone does not bring the app up; the harness always names the user).
  if (user !== ctx.device.currentUser) return 0;
  // android.credentials.INSTALL resolves to the certificate installer (its manifest's only filter for it),
  // android.settings.SETTINGS to Settings' main page (AOSP Settings' manifest; MIUI's MainSettings: unverified).
  const pkg = intent.component?.package ?? intent.packageOnly ?? ACTION_PACKAGES[intent.action ?? ''];
  if (!pkg) {
    await ctx.err(`Error: Activity not started, unable to resolve ${describe(intent)}\n`);
    return 0;
  }
  if (!ctx.device.packages.get(pkg)) {
    await ctx.err(`Error: Activity class {${pkg}/${intent.component?.activity ?? ''}} does not exist.\n`);
    return 0;
  }
  const began = Date.now();
  // Launch state as ActivityMetricsLogger tells `am start -W` (Android 10+ WaitResult.launchState):
  // COLD when the app's process had to start, HOT when its activity only came to the front.
  // WARM (process alive, activity re-created) does not arise here: the simulated apps keep their
  // activity until their process dies.
  const wasRunning = ctx.device.apps.pids().some((p) => p.package === pkg) && !intent.stopFirst;
  const result = await ctx.device.apps.startActivity(
    { package: pkg, ...(intent.component?.activity ? { activity: intent.component.activity } : {}) },
    { stopFirst: intent.stopFirst, ...(intent.data ? { data: intent.data } : {}) },
  );
  if (!result.ok) {
    // am reports failures in its output and still exits 0 (clients such as Appium scan the text).
    await ctx.err(`Error type 3\n${result.error}\n`);
    return 0;
  }
  // Appium Settings' main activity starts its ForegroundService and finishes (io.appium.settings Settings.java).
  if (pkg === APPIUM_SETTINGS) ctx.device.appiumSettings.start();
  if (intent.wait) {
    const focus = ctx.device.apps.focus();
    const activity = focus ? `${focus.package}/${focus.activity}` : `${pkg}/${intent.component?.activity ?? ''}`;
    const total = Math.max(1, Math.round(result.totalTimeMs));
    const wait = Math.max(total, Date.now() - began);
    // AOSP ActivityManagerShellCommand.runStartActivity: Android 10 added the LaunchState line;
    // before it printed ThisTime, TotalTime and WaitTime.
    if (ctx.device.profile.device.sdk >= 29) await ctx.out(`Status: ok\nLaunchState: ${wasRunning ? 'HOT' : 'COLD'}\nActivity: ${activity}\nTotalTime: ${total}\nWaitTime: ${wait}\nComplete\n`);
    else await ctx.out(`Status: ok\nActivity: ${activity}\nThisTime: ${total}\nTotalTime: ${total}\nWaitTime: ${wait}\nComplete\n`);
  }
  return 0;
}

async function instrument(ctx: Ctx, args: string[]): Promise<number> {
  let wait = false;
  const extras: Record<string, string> = {};
  let component = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-w') wait = true;
    else if (a === '-e') {
      extras[args[i + 1] ?? ''] = args[i + 2] ?? '';
      i += 2;
    } else if (a === '--user' || a === '-p' || a === '--abi') i++;
    else if (!a.startsWith('-')) component = a;
  }
  if (!component.includes('/')) {
    await ctx.err(`Error: Bad component name: ${component}\n`);
    return 1;
  }
  const run = ctx.device.apps.instrument(component, extras);
  if (!run) {
    const [pkg, cls] = component.split('/');
    await ctx.out(`INSTRUMENTATION_STATUS: Error=Unable to find instrumentation info for: ComponentInfo{${pkg}/${cls}}\nINSTRUMENTATION_STATUS_CODE: -1\n`);
    await ctx.err(`android.util.AndroidException: INSTRUMENTATION_FAILED: ${component}\n`);
    return 1;
  }
  if (!wait) return 0;
  const onAbort = () => run.kill();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const copy = (async () => {
      for await (const chunk of run.output as AsyncIterable<Buffer | string>) await ctx.out(chunk);
    })();
    const code = await run.done;
    await copy.catch(() => undefined);
    return code;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

const am: Handler = async (ctx) => {
  const [verb, ...rest] = ctx.args;
  const apps = ctx.device.apps;
  switch (verb) {
    case 'start':
    case 'start-activity':
      return start(ctx, rest);
    case 'force-stop':
    case 'kill': {
      const pkg = rest.filter((a) => !a.startsWith('-') && !/^\d+$/.test(a)).pop();
      if (pkg) apps.forceStop(pkg);
      if (pkg === APPIUM_SETTINGS) ctx.device.appiumSettings.stop();
      return 0;
    }
    case 'kill-all':
      return 0;
    case 'instrument':
      return instrument(ctx, rest);
    case 'broadcast': {
      const intent = parseIntent(rest);
      if (typeof intent === 'string') {
        await ctx.err(intent + '\n');
        return 1;
      }
      await ctx.out(`Broadcasting: ${describe(intent)}\nBroadcast completed: result=0\n`);
      return 0;
    }
    case 'startservice':
    case 'start-service':
    case 'start-foreground-service': {
      const intent = parseIntent(rest);
      if (typeof intent === 'string') {
        await ctx.err(intent + '\n');
        return 1;
      }
      await ctx.out(`Starting service: ${describe(intent)}\n`);
      return 0;
    }
    case 'stopservice':
    case 'stop-service':
      await ctx.out('Stopping service: Intent { }\nService stopped\n');
      return 0;
    case 'get-current-user':
      await ctx.out(`${ctx.device.currentUser}\n`);
      return 0;
    case 'stack':
    case 'task':
      return 0;
    default:
      await ctx.err(`usage: am [subcommand] [options]\n  start [-W] [-S] [-n <COMPONENT>] [-a <ACTION>] [-c <CATEGORY>] [-d <DATA_URI>] [-f <FLAGS>]\n  force-stop <PACKAGE>\n  instrument [-w] [-e <NAME> <VALUE>] <COMPONENT>\n  broadcast <INTENT>\n\nError: Unknown command: ${verb ?? ''}\n`);
      return 1;
  }
};

const monkey: Handler = async (ctx) => {
  const p = ctx.args.indexOf('-p');
  const pkg = p >= 0 ? ctx.args[p + 1] : undefined;
  if (!pkg || !ctx.device.packages.get(pkg)) {
    await ctx.err(`** No activities found to run, monkey aborted.\n`);
    return 252;
  }
  const result = await ctx.device.apps.startActivity({ package: pkg }, { stopFirst: false });
  if (!result.ok) {
    await ctx.err(`** No activities found to run, monkey aborted.\n`);
    return 252;
  }
  await ctx.out(`  bash arg: -p\n  bash arg: ${pkg}\nEvents injected: 1\n## Network stats: elapsed time=${Math.round(result.totalTimeMs)}ms (0ms mobile, 0ms wifi, ${Math.round(result.totalTimeMs)}ms not connected)\n`);
  return 0;
};

export const activityCommands: Record<string, Handler> = { am, monkey };
