import { createConnection } from 'node:net';
import { isConnectAddress } from '../config/index.js';
import type { DeviceEntry } from '../config/index.js';
import { PhonehomeError } from '../errors.js';
import type { AdbDevice } from './adbDevice.js';
import { existingServer, runAdb } from './adbServer.js';
import { shellQuote } from './shellQuote.js';
import { delay } from './withTimeout.js';

/**
 * Phone events that come from outside adb: an SMS arriving, a person signing in to Mi Account.
 * One API, three ways, picked from the devices.json entry:
 *
 * - `emulator-console`: an emulator's serial (`emulator-NNNN`, adb's name for the emulator whose
 *   console listens on port NNNN): `adb -s emulator-NNNN emu sms send NUMBER TEXT`, the console's
 *   `sms send <phonenumber> <text message>` (developer.android.com/studio/run/emulator-console,
 *   "SMS emulation"). An emulator has no Mi Account: signing in is left to the operator.
 * - `sim-control`: a simulated phone launched with `--control SOCKET` (`phonehome sim`): the same
 *   words, `sms send …`, and `mi-account sign-in`, on its control socket (sim/controlSocket.ts).
 * - `operator`: a real phone. The harness says what to do and waits, bounded, for the phone to
 *   show it happened: the SMS in `content query --uri content://sms/inbox` (the SMS provider; the
 *   shell reads it with READ_SMS, which AOSP's Shell manifest grants — in the current tree, unverified
 *   for every release), the account in `dumpsys account` (`Account {name=…, type=com.xiaomi}`).
 *
 * Wi-Fi is not here: joining Wi-Fi is `svc wifi enable` over adb on every phone (joinWifi()).
 */
export type PhoneEventRoute = 'emulator-console' | 'sim-control' | 'operator';

export interface PhoneEvents {
  readonly route: PhoneEventRoute;
  /**
   * Delivers an SMS from `from` with `text` to the phone, and resolves once it has arrived, with
   * the sender as the phone recorded it (the operator's phone may not be `from`).
   */
  receiveSms(from: string, text: string): Promise<{ from: string }>;
  /** Signs the phone in to Mi Account (Mi Cloud), and resolves once the account is on the phone. */
  signInMiAccount(): Promise<void>;
}

export interface PhoneEventsOptions {
  /** The real adb binary and its server's port (for `adb emu`). */
  adbBin: string;
  adbPort: number;
  /** Where the operator reads what to do (the run's output). */
  tell: (line: string) => void;
  /** How long the operator has (default 120 s; PHONEHOME_OPERATOR_TIMEOUT_MS). */
  operatorTimeoutMs?: number;
  /** How often the phone is asked whether it happened (default 2 s). */
  pollMs?: number;
}

export const DEFAULT_OPERATOR_TIMEOUT_MS = 120_000;
/** Xiaomi's account type in AccountManager: unverified (chosen; sim/EVIDENCE.md says so). */
export const MI_ACCOUNT_TYPE = 'com.xiaomi';
/** A sender is digits with an optional '+': what the emulator console and an SMS network take. */
const SENDER = /^\+?[0-9]{3,20}$/;

/** The simulated phone's control socket, from its launch args (`phonehome sim … --control SOCKET`). */
export function simControlSocket(entry: DeviceEntry): string | undefined {
  const launch = entry.launch;
  if (!launch || launch.command !== 'phonehome' || launch.args?.[0] !== 'sim') return undefined;
  const at = launch.args.indexOf('--control');
  return at > 0 ? launch.args[at + 1] : undefined;
}

export function phoneEventRoute(entry: DeviceEntry): PhoneEventRoute {
  if (/^emulator-\d+$/.test(entry.serial)) return 'emulator-console';
  if (simControlSocket(entry)) return 'sim-control';
  return 'operator';
}

export function phoneEvents(entry: DeviceEntry, device: AdbDevice, options: PhoneEventsOptions): PhoneEvents {
  const route = phoneEventRoute(entry);
  const checkSms = (from: string, text: string) => {
    if (!SENDER.test(from)) throw new PhonehomeError(`${entry.name}: receiveSms(): '${from}' is not a phone number (digits with an optional '+')`);
    if (text.trim() === '' || /[\r\n]/.test(text) || text.length > 160) throw new PhonehomeError(`${entry.name}: receiveSms(): the text must be one line of 1 to 160 characters`);
  };
  const operator = new OperatorEvents(entry, device, options);
  if (route === 'emulator-console') {
    return {
      route,
      receiveSms: async (from, text) => {
        checkSms(from, text);
        // adb relays the command to the console and prints its answer: "OK" or "KO: …".
        const out = await runAdb(options.adbBin, [...existingServer(options.adbPort), '-s', entry.serial, 'emu', 'sms', 'send', from, text], 10_000);
        if (/^KO\b/m.test(out)) throw new PhonehomeError(`${entry.name}: the emulator console refused 'sms send': ${out.trim().split('\n').find((l) => l.startsWith('KO')) ?? out.trim()}`);
        return { from };
      },
      signInMiAccount: () => operator.signInMiAccount(),
    };
  }
  if (route === 'sim-control') {
    const socket = simControlSocket(entry)!;
    return {
      route,
      receiveSms: async (from, text) => {
        checkSms(from, text);
        await controlCommand(entry, socket, `sms send ${from} ${text}`);
        return { from };
      },
      signInMiAccount: async () => {
        await controlCommand(entry, socket, 'mi-account sign-in');
      },
    };
  }
  if (entry.launch?.command === 'phonehome' && entry.launch.args?.[0] === 'sim') {
    // Nobody can send an SMS to a simulated phone or sign it in except through its control socket.
    const missing = () => Promise.reject(new PhonehomeError(`${entry.name}: a simulated phone takes an SMS or a sign-in only through its control socket: add "--control", "/tmp/phonehome-sim-{port}.sock" to its launch args in devices.json`));
    return { route, receiveSms: missing, signInMiAccount: missing };
  }
  return {
    route,
    receiveSms: async (from, text) => {
      checkSms(from, text);
      return operator.receiveSms(text);
    },
    signInMiAccount: () => operator.signInMiAccount(),
  };
}

/** Asks the person at the phone, then polls the phone until it shows the event, within the stated time. */
class OperatorEvents {
  readonly #timeoutMs: number;

  constructor(private readonly entry: DeviceEntry, private readonly device: AdbDevice, private readonly options: PhoneEventsOptions) {
    const fromEnv = Number(process.env.PHONEHOME_OPERATOR_TIMEOUT_MS);
    this.#timeoutMs = options.operatorTimeoutMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_OPERATOR_TIMEOUT_MS);
  }

  async receiveSms(text: string): Promise<{ from: string }> {
    let sender = '';
    const query = `content query --uri content://sms/inbox --projection address:body --where ${shellQuote(`body='${text.replace(/'/g, "''")}'`)}`;
    await this.#waitFor(
      `send an SMS to this phone with the text "${text}" (from any phone: the sender's number as this phone records it becomes what the suite looks for)`,
      async () => {
        const out = await this.device.shell(query);
        if (/^Error|Exception/m.test(out)) throw new PhonehomeError(`${this.entry.name}: cannot read the phone's SMS inbox to see the operator's SMS arrive: ${out.trim().split('\n')[0]}`);
        sender = /^Row: \d+ address=(\S+?),? /m.exec(out)?.[1] ?? '';
        return sender !== '';
      },
    );
    return { from: sender };
  }

  async signInMiAccount(): Promise<void> {
    await this.#waitFor('open Settings → Mi Account on this phone and sign in (Mi Cloud)', async () => {
      const out = await this.device.shell('dumpsys account');
      return out.includes(`type=${MI_ACCOUNT_TYPE}}`);
    });
  }

  async #waitFor(what: string, happened: () => Promise<boolean>): Promise<void> {
    const seconds = Math.round(this.#timeoutMs / 1000);
    this.options.tell(`${this.entry.name}: OPERATOR: ${what}; waiting up to ${seconds} s`);
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      if (await happened()) {
        this.options.tell(`${this.entry.name}: done, seen on the phone`);
        return;
      }
      if (Date.now() >= deadline) throw new PhonehomeError(`${this.entry.name}: the operator was asked to ${what.split(' (')[0]}, and the phone did not show it within ${seconds} s (set PHONEHOME_OPERATOR_TIMEOUT_MS for more time)`);
      await delay(Math.min(this.options.pollMs ?? 2000, Math.max(0, deadline - Date.now())));
    }
  }
}

/** One line to the simulated phone's control socket, one answer line back (`ok …` / `error …`). */
function controlCommand(entry: DeviceEntry, path: string, line: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let answer = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new PhonehomeError(`${entry.name}: the simulated phone's control socket ${path} ${why}`));
    };
    const timer = setTimeout(() => fail(`did not answer '${line.split(' ').slice(0, 2).join(' ')}' within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(line + '\n'));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      const newline = answer.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      const reply = answer.slice(0, newline);
      if (reply.startsWith('ok')) resolve(reply);
      else reject(new PhonehomeError(`${entry.name}: the simulated phone refused '${line.split(' ').slice(0, 2).join(' ')}': ${reply.replace(/^error /, '')}`));
    });
    socket.on('error', (error) => fail(`cannot be reached: ${error.message} (is the phone launched with --control ${path}?)`));
  });
}

/**
 * Joins Wi-Fi: `svc wifi disable`, then `svc wifi enable` (AOSP frameworks/base/cmds/svc,
 * WifiCommand `svc wifi [enable|disable]`, present at android-4.3_r1; Android 10+'s svc.sh turns it
 * into `cmd wifi set-wifi-enabled`). Refused where adb itself runs over the phone's Wi-Fi.
 */
export async function joinWifi(entry: DeviceEntry, device: AdbDevice): Promise<void> {
  if (isConnectAddress(entry.serial) && !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):/.test(entry.serial)) {
    throw new PhonehomeError(`${entry.name}: joinWifi() turns Wi-Fi off and on, which would cut adb to ${entry.serial} (adb over the network); connect the phone by USB to run this suite`);
  }
  for (const verb of ['disable', 'enable']) {
    const out = await device.shell(`svc wifi ${verb}`);
    if (/usage:|Error|Exception/i.test(out)) throw new PhonehomeError(`${entry.name}: 'svc wifi ${verb}' failed: ${out.trim().split('\n')[0]}`);
  }
}
