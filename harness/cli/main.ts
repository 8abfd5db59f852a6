import type { CliIo, Command } from './command.js';
import { PhonehomeError } from '../errors.js';
import { packageInfo } from '../packageInfo.js';

/**
 * The command table. Each entry loads its module lazily so `phonehome --help` and light commands
 * stay fast and a command's heavy dependencies (Appium, mockttp) load only when it runs.
 */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  // entries are added by each layer: name: { summary, load: async () => (await import('./xCommand.js')).xCommand }
  capture: { summary: 'run the capture sidecar: a recording HTTPS-intercepting proxy', load: async () => (await import('./captureCommand.js')).captureCommand },
  ca: { summary: "print the capture CA certificate (or Android's system-store file for it)", load: async () => (await import('./caCommand.js')).caCommand },
  detect: { summary: 'find visits and device identifiers in a capture folder, through any chain of encodings', load: async () => (await import('./detectCommand.js')).detectCommand },
  har: { summary: 'write HAR 1.2 of a capture folder', load: async () => (await import('./harCommand.js')).harCommand },
  demo: { summary: 'start the capture sidecar and show it recording a few requests', load: async () => (await import('./demoCommand.js')).demoCommand },
  run: { summary: 'run scenario suites on phones and write the report', load: async () => (await import('./runCommand.js')).runCommand },
  report: { summary: "rebuild a run folder's reports from its raw capture (also after a killed run)", load: async () => (await import('./reportCommand.js')).reportCommand },
  devices: { summary: 'list the phones in devices.json: state, model, Android, root, browsers, proxy, CA', load: async () => (await import('./devicesCommand.js')).devicesCommand },
  provision: { summary: 'point a phone at a capture sidecar and trust its CA (or --undo it)', load: async () => (await import('./provisionCommand.js')).provisionCommand },
  inspect: { summary: "save a browser's page source and a screenshot, to fix a locator for a real app version", load: async () => (await import('./inspectCommand.js')).inspectCommand },
  doctor: { summary: 'check and install the system programs phonehome needs', load: async () => (await import('./doctorCommand.js')).doctorCommand },
  merge: { summary: 'combine run folders (CI shards) into one run and report', load: async () => (await import('./mergeCommand.js')).mergeCommand },
  diff: { summary: 'what changed between two runs: new leaks, leaks that stopped, new hosts, app versions, blind spots', load: async () => (await import('./diffCommand.js')).diffCommand },
  sim: { summary: 'run a simulated Xiaomi phone that `adb connect` lists as a device', load: async () => (await import('./simCommand.js')).simCommand },
  profiles: { summary: 'list the simulated phone profiles, or check a profile file', load: async () => (await import('./profilesCommand.js')).profilesCommand },
};

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length), 8);
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: phonehome <command> [options]',
    '',
    "Proves, with evidence, what a phone's browser tells remote servers.",
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'phonehome <command> --help' for a command's options; 'phonehome --version' (-V) prints the version.",
    'Exit codes: 0 all assertions held, 1 an assertion or leak check failed, 2 harness, setup or input error.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(packageInfo().version);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.err(`phonehome: unknown command '${name}' (see 'phonehome --help')`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(command.help);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof PhonehomeError) {
      io.err(error.message);
      return error.exitCode;
    }
    io.err(`phonehome ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  }
}
