import { inputInjectionDenial } from '../securityRefusals.js';
import type { Handler } from './context.js';

const KEYCODES: Record<string, number> = {
  HOME: 3, BACK: 4, CALL: 5, ENDCALL: 6, DPAD_UP: 19, DPAD_DOWN: 20, DPAD_LEFT: 21, DPAD_RIGHT: 22, DPAD_CENTER: 23,
  VOLUME_UP: 24, VOLUME_DOWN: 25, POWER: 26, CAMERA: 27, CLEAR: 28, TAB: 61, SPACE: 62, ENTER: 66, DEL: 67, MENU: 82,
  SEARCH: 84, PAGE_UP: 92, PAGE_DOWN: 93, ESCAPE: 111, FORWARD_DEL: 112, MOVE_HOME: 122, MOVE_END: 123, APP_SWITCH: 187,
  SLEEP: 223, WAKEUP: 224, ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 7 + i])),
  ...Object.fromEntries(Array.from({ length: 26 }, (_, i) => [String.fromCharCode(65 + i), 29 + i])),
};

export function parseKeycode(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return KEYCODES[text.replace(/^KEYCODE_/, '').toUpperCase()];
}

const INPUT_USAGE = `Usage: input [<source>] <command> [<arg>...]

The commands and default sources are:
      text <string> (Default: touchscreen)
      keyevent [--longpress] <key code number or name> ... (Default: keyboard)
      tap <x> <y> (Default: touchscreen)
      swipe <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)
      press (Default: trackball)
`;

const SOURCES = new Set(['keyboard', 'touchscreen', 'touchpad', 'mouse', 'dpad', 'gamepad', 'trackball', 'stylus', 'joystick', 'keyboard']);

const input: Handler = async (ctx) => {
  const args = [...ctx.args];
  if (args[0] && SOURCES.has(args[0])) args.shift();
  const [verb, ...rest] = args;
  const apps = ctx.device.apps;
  if (verb && ['keyevent', 'text', 'tap', 'swipe', 'draganddrop', 'press', 'roll', 'motionevent'].includes(verb) && ctx.device.developerOptions.refusesInputInjection(ctx.cred.uid)) {
    // MIUI without "USB debugging (Security settings)": the shell has no INJECT_EVENTS.
    const denial = inputInjectionDenial(ctx.device.profile.device.sdk, verb);
    await ctx.err(denial.stderr);
    return denial.code;
  }
  const numbers = (values: string[]) => values.map(Number);
  switch (verb) {
    case 'keyevent': {
      const codes = rest.filter((a) => !a.startsWith('--')).map(parseKeycode);
      if (codes.length === 0 || codes.some((c) => c === undefined)) break;
      for (const code of codes) await apps.input.keyevent(code!);
      return 0;
    }
    case 'text': {
      if (rest.length === 0) break;
      // `input text` takes %s for spaces, as on the device.
      await apps.input.text(rest.join(' ').replace(/%s/g, ' '));
      return 0;
    }
    case 'tap': {
      const [x, y] = numbers(rest);
      if (rest.length < 2 || !Number.isFinite(x) || !Number.isFinite(y)) break;
      await apps.input.tap(x!, y!);
      return 0;
    }
    case 'swipe':
    case 'draganddrop': {
      const [x1, y1, x2, y2, ms = 300] = numbers(rest);
      if (rest.length < 4 || [x1, y1, x2, y2].some((v) => !Number.isFinite(v))) break;
      await apps.input.swipe(x1!, y1!, x2!, y2!, ms);
      return 0;
    }
    case 'press':
      await apps.input.keyevent(23);
      return 0;
    default:
      break;
  }
  await ctx.err(`${verb ? `Error: Invalid arguments for command: ${verb}\n` : ''}${INPUT_USAGE}`);
  return 1;
};

const wm: Handler = async (ctx) => {
  const [verb, value] = ctx.args;
  const display = ctx.device.apps.ui.display();
  const props = ctx.device.props;
  switch (verb) {
    case 'size': {
      if (value === 'reset') props.setSystem('debug.sim.wm.size', '');
      else if (value) {
        if (!/^\d+x\d+$/.test(value)) {
          await ctx.err(`Error: bad size ${value}\n`);
          return 1;
        }
        props.setSystem('debug.sim.wm.size', value);
      } else {
        const override = props.get('debug.sim.wm.size');
        await ctx.out(`Physical size: ${display.width}x${display.height}\n${override ? `Override size: ${override}\n` : ''}`);
      }
      return 0;
    }
    case 'density': {
      if (value === 'reset') props.setSystem('debug.sim.wm.density', '');
      else if (value) props.setSystem('debug.sim.wm.density', value);
      else {
        const override = props.get('debug.sim.wm.density');
        await ctx.out(`Physical density: ${display.density}\n${override ? `Override density: ${override}\n` : ''}`);
      }
      return 0;
    }
    case 'dismiss-keyguard':
    case 'overscan':
      return 0;
    default:
      await ctx.err(`Window manager (window) commands:\n  size [reset|WxH|WdpxHdp]\n  density [reset|DENSITY]\n  dismiss-keyguard\n\nUnknown command: ${verb ?? ''}\n`);
      return 1;
  }
};

const ime: Handler = async (ctx) => {
  const [verb, ...rest] = ctx.args;
  const settings = ctx.device.settings;
  const enabled = () => (settings.get('secure', 'enabled_input_methods') ?? '').split(':').filter(Boolean);
  switch (verb) {
    case 'list':
      if (rest.includes('-s')) await ctx.out(enabled().map((m) => m + '\n').join(''));
      else await ctx.out(enabled().map((m) => `${m}:\n  mId=${m} mSettingsActivityName=null\n`).join(''));
      return 0;
    case 'enable':
    case 'disable': {
      const id = rest[rest.length - 1] ?? '';
      const next = verb === 'enable' ? [...new Set([...enabled(), id])] : enabled().filter((m) => m !== id);
      settings.put('secure', 'enabled_input_methods', next.join(':'));
      await ctx.out(`Input method ${id}: ${verb === 'enable' ? 'now enabled' : 'now disabled'}\n`);
      return 0;
    }
    case 'set': {
      const id = rest[rest.length - 1] ?? '';
      settings.put('secure', 'default_input_method', id);
      await ctx.out(`Input method ${id} selected for user #0\n`);
      return 0;
    }
    case 'reset':
      settings.put('secure', 'default_input_method', 'com.android.inputmethod.latin/.LatinIME');
      await ctx.out('Reset input methods for user #0\n');
      return 0;
    default:
      await ctx.err('ime <command>:\n  list [-a] [-s]\n  enable ID\n  disable ID\n  set ID\n  reset\n');
      return 1;
  }
};

const appops: Handler = async (ctx) => {
  const [verb, ...rest] = ctx.args;
  const operands = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--user' && rest[i - 1] !== '--uid');
  const [pkg, op, mode] = operands;
  if ((verb === 'set' || verb === 'get') && pkg && !ctx.device.packages.get(pkg)) {
    await ctx.err(`Error: No UID for ${pkg} in user 0\n`);
    return 255;
  }
  const key = (o: string) => `appops:${pkg}:${o.replace(/^android:/, '').toUpperCase()}`;
  switch (verb) {
    case 'set':
      if (!pkg || !op || !mode) break;
      ctx.device.props.setSystem(key(op), mode);
      return 0;
    case 'get': {
      if (!pkg) break;
      const ops = op ? [op.replace(/^android:/, '').toUpperCase()] : ['MOCK_LOCATION', 'READ_PHONE_STATE'];
      await ctx.out(ops.map((o) => `${o}: ${ctx.device.props.get(key(o)) ?? 'default'}\n`).join(''));
      return 0;
    }
    case 'reset':
      return 0;
    default:
      break;
  }
  await ctx.err('AppOps service (appops) commands:\n  set [--user <USER_ID>] <PACKAGE | UID> <OP> <MODE>\n  get [--user <USER_ID>] <PACKAGE | UID> [<OP>]\n  reset [--user <USER_ID>] [<PACKAGE>]\n');
  return 1;
};

const svc: Handler = async (ctx) => {
  const [service, verb] = ctx.args;
  if (!service || !['wifi', 'data', 'power', 'usb', 'nfc', 'bluetooth'].includes(service)) {
    await ctx.err('Available commands:\n    help     Show information about the subcommands\n    power    Control the power manager\n    data     Control mobile data connectivity\n    wifi     Control the Wi-Fi manager\n');
    return 1;
  }
  if (service === 'wifi' && verb !== 'enable' && verb !== 'disable') {
    // WifiCommand.run: anything else prints its long help on stderr (aosp-mirror/platform_frameworks_base 23328d97).
    await ctx.err('Control the Wi-Fi manager\n\nusage: svc wifi [enable|disable]\n         Turn Wi-Fi on or off.\n\n\n');
    return 0;
  }
  if (service === 'wifi' && (verb === 'enable' || verb === 'disable')) {
    const wasOn = ctx.device.settings.get('global', 'wifi_on') !== '0';
    ctx.device.settings.put('global', 'wifi_on', verb === 'enable' ? '1' : '0');
    // Off → on: the phone joins its saved network (android/phoneEvents.ts).
    if (verb === 'enable' && !wasOn) ctx.device.apps.phoneEvent?.({ kind: 'wifi-connected' });
  }
  if (service === 'data' && (verb === 'enable' || verb === 'disable')) ctx.device.settings.put('global', 'mobile_data', verb === 'enable' ? '1' : '0');
  return 0;
};

export const inputCommands: Record<string, Handler> = { input, wm, ime, appops, svc };
