import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { DEVELOPER_OPTIONS, DEVELOPER_OPTION_LABELS, type DeveloperOption } from './android/developerOptions.js';
import type { SimulatedPhone } from './phone.js';

/** Xiaomi's account type as AccountManager lists it: chosen, unverified (sim/EVIDENCE.md). */
export const MI_ACCOUNT_TYPE = 'com.xiaomi';

/**
 * What a person does on the phone's own screen, for a running simulated phone: flip MIUI's
 * Developer options, tap "Allow" on "Allow USB debugging?". It is deliberately outside adb (a
 * Unix socket next to the phone), because on a real phone none of it can be done over adb.
 *
 * One command per line, one answer line back (`ok …` or `error …`):
 *   developer-options                                  → ok usb-debugging-security=off install-via-usb=off
 *   developer-options usb-debugging-security on|off
 *   developer-options install-via-usb on|off
 *   allow-usb-debugging                                → ok allowed N key(s)
 *   sms send NUMBER TEXT...                            → ok delivered sms N from NUMBER
 *     (the emulator console's words for an SMS arriving from the network: sim/android/phoneEvents.ts)
 *   mi-account sign-in [ID]                            → ok signed in ID (type com.xiaomi) | ok already signed in …
 *     (what a person does in Settings → Mi Account; the account shows in `dumpsys account`)
 */
const OPTION_NAMES: Record<string, DeveloperOption> = {
  'usb-debugging-security': 'usbDebuggingSecuritySettings',
  'install-via-usb': 'installViaUsb',
};
const NAME_OF = Object.fromEntries(Object.entries(OPTION_NAMES).map(([k, v]) => [v, k])) as Record<DeveloperOption, string>;

/** Longest command line accepted; anything longer is a client error, not a reason to buffer. */
const MAX_LINE = 1024;

export function runControlCommand(phone: SimulatedPhone, line: string): string {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const options = phone.android.developerOptions;
  const state = () => DEVELOPER_OPTIONS.map((o) => `${NAME_OF[o]}=${options.get(o) ? 'on' : 'off'}`).join(' ');
  switch (words[0]) {
    case 'developer-options': {
      if (!options.miui) return 'error this phone has no MIUI Developer options (not a MIUI profile): the shell is not restricted';
      if (words.length === 1) return `ok ${state()}`;
      const option = OPTION_NAMES[words[1] ?? ''];
      const value = words[2];
      if (!option || (value !== 'on' && value !== 'off') || words.length !== 3) {
        return `error usage: developer-options [${Object.keys(OPTION_NAMES).join('|')} on|off]`;
      }
      options.set(option, value === 'on');
      return `ok ${DEVELOPER_OPTION_LABELS[option]} is ${value}; ${state()}`;
    }
    case 'allow-usb-debugging':
      return `ok allowed ${phone.allowPendingKeys()} key(s)`;
    case 'sms': {
      // The emulator console's syntax: `sms send <phonenumber> <text message>` (text: the rest of the line).
      const m = /^\s*sms\s+send\s+(\S+)\s+(.+?)\s*$/.exec(line);
      if (!m) return 'error usage: sms send <phonenumber> <text message>';
      const delivered = phone.android.sms.deliver(m[1]!, m[2]!);
      return 'error' in delivered ? `error ${delivered.error}` : `ok delivered sms ${delivered.id} from ${m[1]}`;
    }
    case 'mi-account': {
      const id = words[2] ?? '1100000001';
      if (words[1] !== 'sign-in' || words.length > 3 || !/^[A-Za-z0-9@._-]{1,64}$/.test(id)) return 'error usage: mi-account sign-in [ID]';
      // Signed in already: nothing happens (no new account, no broadcast), as on a phone.
      return phone.android.accounts.add(id, MI_ACCOUNT_TYPE) ? `ok signed in ${id} (type ${MI_ACCOUNT_TYPE})` : `ok already signed in ${id} (type ${MI_ACCOUNT_TYPE})`;
    }
    default:
      return `error unknown command '${words[0] ?? ''}': developer-options | allow-usb-debugging | sms send | mi-account sign-in`;
  }
}

/** The phone's control socket; start() listens on `path` (removed on stop()). */
export class SimControlSocket {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly phone: SimulatedPhone, readonly path: string) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE && !buffer.includes('\n')) {
        socket.end(`error line longer than ${MAX_LINE} characters\n`);
        return;
      }
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) socket.write(runControlCommand(this.phone, line) + '\n');
      }
    });
  }
}

/** Sends one command line to a phone's control socket and resolves with its answer line. */
export function sendControlCommand(path: string, line: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from the simulated phone's control socket ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(line.replace(/\n/g, ' ') + '\n'));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      const newline = answer.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        socket.end();
        resolve(answer.slice(0, newline));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
