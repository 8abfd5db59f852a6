import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** One `phonehome <name>` subcommand. Each folder that owns a command exports one from its index.ts. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text (usage line, options, examples). */
  help: string;
  /** Returns the process exit code: 0 ok, 1 an assertion / leak verdict failed, 2 harness or input error. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

type WithHelp<O extends OptionSpec> = O & { help: { type: 'boolean'; short: 'h' } };
/** What parseCommandArgs returns, named so the build's .d.ts can spell it (node:util does not export its pieces). */
export type CommandArgs<O extends OptionSpec> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<O>; allowPositionals: boolean; strict: true }>>;

/**
 * parseArgs with the conventions every command shares: unknown options and stray positionals
 * become a UsageError naming the command, and `--help` is always accepted.
 */
export function parseCommandArgs<O extends OptionSpec>(
  command: string,
  argv: string[],
  options: O,
  { allowPositionals = false }: { allowPositionals?: boolean } = {},
): CommandArgs<O> {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>,
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`phonehome ${command}: ${detail} (see 'phonehome ${command} --help')`);
  }
}

/** Parses a TCP port option, naming the option in the error. */
export function parsePort(command: string, option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`phonehome ${command}: --${option} must be a port number 0-65535, got '${value}'`);
  }
  return port;
}
