import type { Command } from './command.js';
import { parseCommandArgs, parsePort } from './command.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { SimControlSocket, SimulatedPhone, sendControlCommand } from '../../sim/index.js';

const HELP = `Usage: phonehome sim --profile <name|file.json> [--port 5555] [--host 127.0.0.1] [--control SOCKET]
       phonehome sim control SOCKET COMMAND...

Runs one simulated Xiaomi phone: a protocol-real adbd on TCP, the Android shell and the apps of
the profile. Connect it with \`adb connect HOST:PORT\`; it is then listed as a device with the
profile's product, model and device, and the harness drives it like any networked phone.

Options:
  --profile NAME|FILE  a profile shipped in sim/profiles/ (e.g. redmi-note-8-2020) or a .json file
  --port PORT          TCP port for adbd (default 5555; 0 picks a free port, shown in the ready line)
  --host ADDRESS       address to listen on (default 127.0.0.1)
  --control SOCKET     a Unix socket for what a person does on the phone itself, outside adb:
                       \`phonehome sim control SOCKET developer-options install-via-usb on\`
                       (also usb-debugging-security on|off, bare developer-options, allow-usb-debugging,
                       sms send NUMBER TEXT (an SMS arrives), mi-account sign-in (Mi Cloud))

Every shell command the phone receives is logged on its own line; one this simulator does not
implement is marked UNKNOWN (and answers like Android: exit 127), so gaps show up.
The phone runs until SIGTERM or SIGINT. Several can run at once on different ports.

Example:
  phonehome sim --profile redmi-note-8-2020 --port 5555 &
  adb connect 127.0.0.1:5555 && adb -s 127.0.0.1:5555 shell getprop ro.product.model`;

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run a simulated Xiaomi phone that `adb connect` lists as a device',
  help: HELP,
  async run(argv, io) {
    if (argv[0] === 'control') {
      const [, socketPath, ...words] = argv;
      if (!socketPath || words.length === 0) throw new UsageError("phonehome sim control: give the phone's --control socket and a command, e.g. 'phonehome sim control /tmp/phone.sock developer-options'");
      let answer: string;
      try {
        answer = await sendControlCommand(socketPath, words.join(' '));
      } catch (error) {
        throw new PhonehomeError(`phonehome sim control: cannot reach ${socketPath}: ${(error as Error).message} (is a phone running with --control ${socketPath}?)`);
      }
      if (answer.startsWith('error')) throw new PhonehomeError(`phonehome sim control: ${answer.replace(/^error /, '')}`);
      io.out(answer.replace(/^ok ?/, '') || 'ok');
      return 0;
    }
    const { values } = parseCommandArgs('sim', argv, {
      profile: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      control: { type: 'string' },
    });
    if (!values.profile) throw new UsageError("phonehome sim: --profile is required: a name from sim/profiles/ or a path to a .json profile (see 'phonehome sim --help')");
    const port = parsePort('sim', 'port', values.port, 5555);
    const host = values.host ?? '127.0.0.1';
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
      // As `phonehome capture --host` warns: an adbd anyone can reach is a shell anyone can use.
      io.err(`phonehome sim: warning: listening on ${host}, so other machines can connect to this phone's adbd and run shell commands on it; use --host 127.0.0.1 unless a harness on another machine must reach it`);
    }
    const { loadProfile } = await import('../../sim/profiles/index.js');
    const profile = loadProfile(values.profile);

    const phone = new SimulatedPhone({ profile, port, host });
    phone.on('shell', (event) => {
      io.out(event.known ? `shell: ${oneLine(event.command)}` : `shell UNKNOWN (${event.unknown.join(', ')}): ${oneLine(event.command)}`);
    });
    phone.on('service', (event) => {
      if (!event.known) io.out(`service REFUSED: ${oneLine(event.service)}`);
      else if (!/^(shell|exec)/.test(event.service)) io.out(`service: ${oneLine(event.service)}`);
    });
    phone.on('connection', (remote) => io.out(`connection from ${remote}`));
    phone.on('authRequest', () => io.out('auth: a host key is waiting for approval (the phone shows "Allow USB debugging?")'));
    phone.on('warning', (message) => io.err(`phonehome sim: warning: ${message}`));
    phone.on('reboot', () => io.out('reboot: adb connections dropped; the phone is back'));

    try {
      await phone.start();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new PhonehomeError(`phonehome sim: ${host}:${port} is already in use: pick another --port`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new PhonehomeError(`phonehome sim: cannot listen on --host ${host}: not an address of this machine`);
      throw error;
    }
    const control = values.control ? new SimControlSocket(phone, values.control) : null;
    try {
      await control?.start();
    } catch (error) {
      await phone.stop();
      throw new PhonehomeError(`phonehome sim: cannot open --control ${values.control}: ${(error as Error).message}`);
    }
    phone.android.developerOptions.on('changed', (option, on) => io.out(`developer options: ${option} ${on ? 'on' : 'off'}`));
    io.out(`phonehome sim: ready ${phone.serial} profile=${profile.name} model="${profile.device.model}" (adb connect ${phone.serial})`);
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off('SIGTERM', done);
        process.off('SIGINT', done);
        resolve();
      };
      process.on('SIGTERM', done);
      process.on('SIGINT', done);
    });
    await control?.stop();
    await phone.stop();
    io.out(`phonehome sim: stopped ${phone.serial}`);
    return 0;
  },
};
