import type { CliIo, Command } from './command.js';
import { PhonehomeError } from './errors.js';

/**
 * The command table. Each entry loads its module lazily so `phonehome --help` and light commands
 * stay fast and a command's heavy dependencies (Appium, mockttp) load only when it runs.
 */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  // entries are added by each layer: name: { summary, load: async () => (await import('./x/index.js')).xCommand }
  doctor: { summary: 'check and install the system programs phonehome needs', load: async () => (await import('./setup/index.js')).doctorCommand },
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
    "Run 'phonehome <command> --help' for a command's options.",
    'Exit codes: 0 all assertions held, 1 an assertion or leak check failed, 2 harness, setup or input error.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
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
