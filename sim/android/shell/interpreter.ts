import type { Credentials } from '../fileSystem.js';
import { FsError, normalizePath } from '../fileSystem.js';
import { BufferSink, EMPTY_INPUT, NULL_SINK, OutputLimitError, bufferInput, type InputSource, type OutputSink } from './io.js';

/** Largest output a `$(…)` may capture. */
const SUBSTITUTION_LIMIT = 1024 * 1024;
import { evaluateArithmetic } from './arithmetic.js';
import { ShellSyntaxError, parse, type Command, type Redirect, type Script, type SimpleCommand, type Word } from './parser.js';

/** Shell state shared by the commands of one command line. */
export interface ShellEnv {
  vars: Map<string, string>;
  exported: Set<string>;
  cwd: string;
  lastStatus: number;
}

export interface CommandContext<Device = unknown> {
  name: string;
  args: string[];
  device: Device;
  stdout: OutputSink;
  stderr: OutputSink;
  stdin: InputSource;
  env: ShellEnv;
  cred: Credentials;
  signal: AbortSignal;
  /** Runs a nested command line (sh -c, su -c) with the same I/O. */
  run(line: string, cred?: Credentials): Promise<number>;
  /** stdout shortcut. */
  out(text: string | Buffer): Promise<void>;
  /** stderr shortcut; adds nothing (give the newline). */
  err(text: string): Promise<void>;
}

export type CommandHandler<Device = unknown> = (ctx: CommandContext<Device>) => Promise<number> | number;

/** Unwinds the interpreter for `exit` and `exec`. */
class ExitSignal {
  constructor(readonly status: number) {}
}

const SHELL = '/system/bin/sh';

interface Io {
  stdout: OutputSink;
  stderr: OutputSink;
  stdin: InputSource;
}

export interface InterpreterOptions<Device> {
  device: Device;
  commands: Map<string, CommandHandler<Device>>;
  cred: Credentials;
  signal: AbortSignal;
  env: ShellEnv;
  /** File access for redirections and globbing. */
  files: {
    read(path: string, cred: Credentials): Buffer;
    write(path: string, data: Buffer, cred: Credentials, append: boolean): void;
    list(path: string, cred: Credentials): string[];
  };
}

export function newEnv(vars: Record<string, string>): ShellEnv {
  return { vars: new Map(Object.entries(vars)), exported: new Set(Object.keys(vars)), cwd: '/', lastStatus: 0 };
}

/** Runs parsed command lines: expansion, redirections, control flow and the builtins mksh has. */
export class Interpreter<Device> {
  private readonly options: InterpreterOptions<Device>;
  private cred: Credentials;

  constructor(options: InterpreterOptions<Device>) {
    this.options = options;
    this.cred = options.cred;
  }

  static isBuiltin(name: string): boolean {
    return BUILTINS.has(name);
  }

  async runLine(line: string, io: Io): Promise<number> {
    let script: Script;
    try {
      script = parse(line);
    } catch (error) {
      if (error instanceof ShellSyntaxError) {
        await io.stderr.write(`${SHELL}: ${error.message}\n`);
        return (this.options.env.lastStatus = 1);
      }
      throw error;
    }
    try {
      return await this.runScript(script, io);
    } catch (error) {
      if (error instanceof ExitSignal) return (this.options.env.lastStatus = error.status);
      throw error;
    }
  }

  private get env(): ShellEnv {
    return this.options.env;
  }

  private async runScript(script: Script, io: Io): Promise<number> {
    let status = this.env.lastStatus;
    for (const andOr of script) {
      if (this.options.signal.aborted) return 130;
      const run = async () => {
        let s = await this.runPipeline(andOr.first, io);
        for (const { op, pipeline } of andOr.rest) {
          if ((op === '&&' && s !== 0) || (op === '||' && s === 0)) continue;
          s = await this.runPipeline(pipeline, io);
        }
        return s;
      };
      if (andOr.background) {
        run().catch(() => undefined);
        status = 0;
      } else {
        status = await run();
      }
      this.env.lastStatus = status;
    }
    return status;
  }

  private async runPipeline(pipeline: { negate: boolean; commands: Command[] }, io: Io): Promise<number> {
    let input = io.stdin;
    let status = 0;
    for (let i = 0; i < pipeline.commands.length; i++) {
      const last = i === pipeline.commands.length - 1;
      // Stages run one after another with the output buffered: enough for `ps -A | grep x`.
      const sink = last ? io.stdout : new BufferSink(16 * 1024 * 1024);
      status = await this.runCommand(pipeline.commands[i]!, { stdout: sink, stderr: io.stderr, stdin: input });
      if (!last) input = bufferInput((sink as BufferSink).contents());
    }
    status = pipeline.negate ? (status === 0 ? 1 : 0) : status;
    this.env.lastStatus = status;
    return status;
  }

  private async runCommand(command: Command, outer: Io): Promise<number> {
    const redirected = await this.applyRedirects(command.redirects, outer);
    if (typeof redirected === 'number') return redirected;
    const { io, finish } = redirected;
    try {
      switch (command.type) {
        case 'simple':
          return await this.runSimple(command, io);
        case 'while':
        case 'until': {
          let status = 0;
          for (let rounds = 0; ; rounds++) {
            if (this.options.signal.aborted) return 130;
            const condition = await this.runScript(command.condition, io);
            if ((condition === 0) !== (command.type === 'while')) break;
            status = await this.runScript(command.body, io);
            // A loop whose body never waits would spin the event loop: yield every round.
            await new Promise((resolve) => setImmediate(resolve));
          }
          return status;
        }
        case 'for': {
          let status = 0;
          const items: string[] = [];
          for (const word of command.items) items.push(...(await this.expandWord(word, io)));
          for (const item of items) {
            if (this.options.signal.aborted) return 130;
            this.env.vars.set(command.name, item);
            status = await this.runScript(command.body, io);
          }
          return status;
        }
        case 'if': {
          for (const branch of command.branches) {
            if ((await this.runScript(branch.condition, io)) === 0) return await this.runScript(branch.body, io);
          }
          return command.otherwise ? await this.runScript(command.otherwise, io) : 0;
        }
        case 'case': {
          // POSIX 2.9.4.3: the subject is expanded without splitting or globbing; the first item
          // with a matching pattern runs; none matching is status 0.
          const subject = (await this.expandWord(command.subject, io, { split: false })).join('');
          for (const item of command.items) {
            for (const pattern of item.patterns) {
              if ((await this.patternRegex(pattern, io)).test(subject)) return await this.runScript(item.body, io);
            }
          }
          return 0;
        }
        case 'group':
          return await this.runScript(command.body, io);
        case 'subshell': {
          const saved = { vars: new Map(this.env.vars), exported: new Set(this.env.exported), cwd: this.env.cwd };
          try {
            return await this.runScript(command.body, io);
          } catch (error) {
            if (error instanceof ExitSignal) return error.status;
            throw error;
          } finally {
            this.env.vars = saved.vars;
            this.env.exported = saved.exported;
            this.env.cwd = saved.cwd;
          }
        }
      }
    } finally {
      await finish();
    }
  }

  private async applyRedirects(redirects: Redirect[], outer: Io): Promise<{ io: Io; finish: () => Promise<void> } | number> {
    const io: Io = { ...outer };
    const files: Array<{ path: string; sink: BufferSink; append: boolean }> = [];
    for (const redirect of redirects) {
      const target = (await this.expandWord(redirect.target, outer)).join(' ');
      if (redirect.op === '>&' || redirect.op === '<&') {
        if (target === '-') continue;
        const source = target === '1' ? io.stdout : target === '2' ? io.stderr : null;
        if (!source) {
          await outer.stderr.write(`${SHELL}: ${target}: bad file descriptor\n`);
          return 1;
        }
        if (redirect.fd === 1) io.stdout = source;
        else if (redirect.fd === 2) io.stderr = source;
        continue;
      }
      const path = normalizePath(target, this.env.cwd);
      if (redirect.op === '<') {
        try {
          io.stdin = bufferInput(this.options.files.read(path, this.cred));
        } catch (error) {
          await outer.stderr.write(`${SHELL}: can't open ${target}: ${(error as Error).message}\n`);
          return 1;
        }
        continue;
      }
      let sink: OutputSink;
      if (path === '/dev/null') sink = NULL_SINK;
      else {
        const append = redirect.op === '>>';
        try {
          // The shell creates (or truncates) the file when it opens it, before the command runs.
          this.options.files.write(path, Buffer.alloc(0), this.cred, append);
        } catch (error) {
          await outer.stderr.write(`${SHELL}: can't create ${target}: ${(error as Error).message}\n`);
          return 1;
        }
        const buffer = new BufferSink(64 * 1024 * 1024);
        files.push({ path, sink: buffer, append: true });
        sink = buffer;
      }
      if (redirect.fd === 1) io.stdout = sink;
      else if (redirect.fd === 2) io.stderr = sink;
    }
    return {
      io,
      finish: async () => {
        for (const file of files) {
          try {
            this.options.files.write(file.path, file.sink.contents(), this.cred, file.append);
          } catch (error) {
            await outer.stderr.write(`${SHELL}: ${file.path}: ${(error as Error).message}\n`);
          }
        }
      },
    };
  }

  private param(name: string): string {
    switch (name) {
      case '?':
        return String(this.env.lastStatus);
      case '$':
        return '4321';
      case '#':
        return this.env.vars.get('#') ?? '0';
      case '@':
      case '*': {
        const count = Number(this.env.vars.get('#') ?? '0');
        return Array.from({ length: count }, (_v, i) => this.env.vars.get(String(i + 1)) ?? '').join(' ');
      }
      case '0':
        return SHELL;
      default: {
        // ${#NAME}: the length of the value.
        if (/^#[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return String((this.env.vars.get(name.slice(1)) ?? '').length);
        const colon = name.match(/^([A-Za-z_][A-Za-z0-9_]*)(:?[-=+])(.*)$/);
        if (colon) {
          const value = this.env.vars.get(colon[1]!);
          const empty = colon[2]!.startsWith(':') ? !value : value === undefined;
          if (colon[2]!.endsWith('-')) return empty ? colon[3]! : value!;
          if (colon[2]!.endsWith('+')) return empty ? '' : colon[3]!;
          if (empty) this.env.vars.set(colon[1]!, colon[3]!);
          return this.env.vars.get(colon[1]!) ?? '';
        }
        return this.env.vars.get(name) ?? '';
      }
    }
  }

  /**
   * `$(…)`: runs the line in a subshell (variables and cwd restored after), stdout captured up to
   * 1 MiB with trailing newlines removed, stderr passed through; `$?` becomes its status.
   */
  private async substitute(source: string, io?: Io): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    const capture: OutputSink = {
      write: async (data) => {
        const buffer = typeof data === 'string' ? Buffer.from(data) : data;
        if (size + buffer.length > SUBSTITUTION_LIMIT) throw new OutputLimitError(`command substitution output exceeds ${SUBSTITUTION_LIMIT} bytes`);
        size += buffer.length;
        chunks.push(buffer);
      },
    };
    const saved = { vars: new Map(this.env.vars), exported: new Set(this.env.exported), cwd: this.env.cwd };
    let status: number;
    try {
      status = await this.runLine(source, { stdout: capture, stderr: io?.stderr ?? NULL_SINK, stdin: EMPTY_INPUT });
    } catch (error) {
      if (error instanceof ExitSignal) status = error.status;
      else throw error;
    } finally {
      this.env.vars = saved.vars;
      this.env.exported = saved.exported;
      this.env.cwd = saved.cwd;
    }
    this.env.lastStatus = status;
    return Buffer.concat(chunks).toString('utf8').replace(/\n+$/, '');
  }

  /** Parameter expansion, field splitting of unquoted expansions, and globbing of unquoted `*`/`?`. */
  async expandWord(word: Word, io?: Io, options: { split?: boolean } = {}): Promise<string[]> {
    // An assignment's value is neither split nor globbed (POSIX 2.9.1).
    const split = options.split ?? true;
    const fields: string[] = [];
    let current = '';
    let hasContent = false;
    let globbable = false;
    for (const part of word.parts) {
      if (part.kind === 'literal') {
        current += part.text;
        hasContent = true;
        if (split && !part.quoted && /[*?]/.test(part.text)) globbable = true;
        continue;
      }
      const value = part.kind === 'command' ? await this.substitute(part.source, io) : part.kind === 'arith' ? String(evaluateArithmetic(await this.expandArithmeticText(part.source, io), (name) => this.env.vars.get(name))) : this.param(part.name);
      if (part.quoted || !split) {
        current += value;
        hasContent = true;
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) {
          if (current || hasContent) fields.push(current);
          current = '';
          hasContent = false;
        }
        if (pieces[i]) {
          current += pieces[i];
          hasContent = true;
        }
      }
    }
    if (current || hasContent) fields.push(current);
    if (!globbable) return fields;
    return fields.flatMap((field) => this.glob(field));
  }

  /** The text of `$((…))` with `$NAME`/`${NAME}` and `$?`/`$#` replaced (POSIX 2.6.4); `$(…)` inside is refused. */
  private async expandArithmeticText(source: string, _io?: Io): Promise<string> {
    if (/\$\(|`/.test(source)) throw new ShellSyntaxError('command substitution inside $(( … )) is not supported by this shell');
    return source.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*|[?#$])\}?/g, (_m, name: string) => this.param(name) || '0');
  }

  /** A case pattern as a regex: unquoted `*`, `?`, `[…]` are wildcards, quoted text is literal. */
  private async patternRegex(word: Word, io: Io): Promise<RegExp> {
    let source = '';
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    for (const part of word.parts) {
      const text = part.kind === 'literal' ? part.text : (await this.expandWord({ parts: [{ ...part, quoted: true }], raw: word.raw }, io, { split: false })).join('');
      if (part.quoted) {
        source += literal(text);
        continue;
      }
      for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (c === '*') source += '[\\s\\S]*';
        else if (c === '?') source += '[\\s\\S]';
        else if (c === '[') {
          const end = text.indexOf(']', i + 2);
          if (end < 0) source += '\\[';
          else {
            const body = text.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
            source += `[${body}]`;
            i = end;
          }
        } else source += literal(c);
      }
    }
    return new RegExp(`^${source}$`);
  }

  private glob(pattern: string): string[] {
    const slash = pattern.lastIndexOf('/');
    const dir = slash >= 0 ? pattern.slice(0, slash) || '/' : '.';
    const base = pattern.slice(slash + 1);
    if (/[*?]/.test(dir) || !/[*?]/.test(base)) return [pattern];
    const regex = new RegExp('^' + base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    let names: string[];
    try {
      names = this.options.files.list(normalizePath(dir, this.env.cwd), this.cred);
    } catch {
      return [pattern];
    }
    const matches = names.filter((n) => regex.test(n) && (!n.startsWith('.') || base.startsWith('.'))).sort();
    if (matches.length === 0) return [pattern];
    return matches.map((n) => (slash >= 0 ? `${pattern.slice(0, slash)}/${n}` : n));
  }

  private async runSimple(command: SimpleCommand, io: Io): Promise<number> {
    const words: string[] = [];
    for (const word of command.words) words.push(...(await this.expandWord(word, io)));
    const assignments: Array<[string, string]> = [];
    for (const a of command.assignments) assignments.push([a.name, (await this.expandWord(a.value, io, { split: false })).join(' ')]);
    if (words.length === 0) {
      for (const [name, value] of assignments) this.env.vars.set(name, value);
      // An assignment-only command exits with its last command substitution's status, else 0.
      const substituted = command.assignments.some((a) => a.value.parts.some((p) => p.kind === 'command')) || command.words.length > 0;
      return substituted ? this.env.lastStatus : 0;
    }
    // Prefix assignments apply to that command only; we keep them for its duration.
    const saved = assignments.map(([name]) => [name, this.env.vars.get(name)] as const);
    for (const [name, value] of assignments) this.env.vars.set(name, value);
    try {
      return await this.invoke(words, io);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) this.env.vars.delete(name);
        else this.env.vars.set(name, value);
      }
    }
  }

  /** Runs one command by name: builtin, registered command, or the shell's "not found". */
  async invoke(words: string[], io: Io): Promise<number> {
    let name = words[0]!;
    const args = words.slice(1);
    const builtin = BUILTINS.get(name);
    if (builtin) return builtin(this as unknown as Interpreter<unknown>, args, io);
    // Android 10+ has /bin → /system/bin (HTTP Toolkit runs /bin/mount through nsenter).
    const stripped = name.replace(/^\/(system\/)?(x?bin)\//, '');
    const handler = this.options.commands.get(stripped);
    if (!handler) {
      await io.stderr.write(`${SHELL}: ${name}: inaccessible or not found\n`);
      return 127;
    }
    name = stripped;
    const ctx: CommandContext<Device> = {
      name, args, device: this.options.device, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin ?? EMPTY_INPUT,
      env: this.env, cred: this.cred, signal: this.options.signal,
      run: (line, cred) => this.nested(line, io, cred),
      out: (text) => io.stdout.write(text),
      err: (text) => io.stderr.write(text),
    };
    try {
      return await handler(ctx);
    } catch (error) {
      if (error instanceof ExitSignal) throw error;
      if (error instanceof FsError) {
        await io.stderr.write(`${name}: ${error.path}: ${error.message}\n`);
        return 1;
      }
      await io.stderr.write(`${name}: ${(error as Error).message ?? String(error)}\n`);
      return 1;
    }
  }

  async nested(line: string, io: Io, cred?: Credentials): Promise<number> {
    const previous = this.cred;
    if (cred) this.cred = cred;
    try {
      return await this.runLine(line, io);
    } finally {
      this.cred = previous;
    }
  }

  get credentials(): Credentials {
    return this.cred;
  }
}

type Builtin = (shell: Interpreter<unknown>, args: string[], io: Io) => Promise<number>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function unescapeEcho(text: string): { text: string; stop: boolean } {
  let stop = false;
  const out = text.replace(/\\(0[0-7]{0,3}|[abcefnrtv\\])/g, (_m, c: string) => {
    if (c === 'c') {
      stop = true;
      return '';
    }
    if (c.startsWith('0')) return String.fromCharCode(Number.parseInt(c.slice(1) || '0', 8));
    return ({ a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' } as Record<string, string>)[c] ?? c;
  });
  return { text: out, stop };
}

/** `test` / `[`: the file, string and integer tests scripts use. */
function evaluateTest(shell: Interpreter<unknown>, args: string[]): boolean {
  const files = (shell as unknown as { options: InterpreterOptions<unknown> }).options;
  const cwd = files.env.cwd;
  const stat = (path: string) => {
    try {
      files.files.read(normalizePath(path, cwd), shell.credentials);
      return 'file';
    } catch (error) {
      if (error instanceof FsError && error.code === 'EISDIR') return 'dir';
      if (error instanceof FsError && error.code === 'EACCES') return 'file';
      return null;
    }
  };
  if (args[0] === '!') return !evaluateTest(shell, args.slice(1));
  const andIndex = args.indexOf('-a');
  if (andIndex > 0 && args.length > 3) return evaluateTest(shell, args.slice(0, andIndex)) && evaluateTest(shell, args.slice(andIndex + 1));
  const orIndex = args.indexOf('-o');
  if (orIndex > 0 && args.length > 3) return evaluateTest(shell, args.slice(0, orIndex)) || evaluateTest(shell, args.slice(orIndex + 1));
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, value] = args as [string, string];
    switch (op) {
      case '-e':
        return stat(value) !== null;
      case '-f':
        return stat(value) === 'file';
      case '-d':
        return stat(value) === 'dir';
      case '-s':
        try {
          return files.files.read(normalizePath(value, cwd), shell.credentials).length > 0;
        } catch {
          return false;
        }
      case '-r':
      case '-w':
      case '-x':
        return stat(value) !== null;
      case '-z':
        return value === '';
      case '-n':
        return value !== '';
      default:
        return false;
    }
  }
  const [a, op, b] = args as [string, string, string];
  switch (op) {
    case '=':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '-eq':
      return Number(a) === Number(b);
    case '-ne':
      return Number(a) !== Number(b);
    case '-lt':
      return Number(a) < Number(b);
    case '-le':
      return Number(a) <= Number(b);
    case '-gt':
      return Number(a) > Number(b);
    case '-ge':
      return Number(a) >= Number(b);
    default:
      return false;
  }
}

function signalOf(shell: Interpreter<unknown>): AbortSignal {
  return (shell as unknown as { options: InterpreterOptions<unknown> }).options.signal;
}

function envOf(shell: Interpreter<unknown>): ShellEnv {
  return (shell as unknown as { options: InterpreterOptions<unknown> }).options.env;
}

const BUILTINS: Map<string, Builtin> = new Map<string, Builtin>([
  [':', async () => 0],
  ['true', async () => 0],
  ['false', async () => 1],
  ['echo', async (_shell, args, io) => {
    let newline = true;
    let escapes = true; // mksh's echo interprets backslash escapes
    while (args[0] && /^-[neE]+$/.test(args[0])) {
      const flags = args.shift()!;
      if (flags.includes('n')) newline = false;
      if (flags.includes('E')) escapes = false;
    }
    let text = args.join(' ');
    if (escapes) {
      const result = unescapeEcho(text);
      text = result.text;
      if (result.stop) newline = false;
    }
    await io.stdout.write(newline ? text + '\n' : text);
    return 0;
  }],
  ['printf', async (_shell, args, io) => {
    const format = args.shift() ?? '';
    let i = 0;
    const out = format.replace(/%([-0-9.]*)([sdx%])/g, (_m, _w, kind: string) => {
      if (kind === '%') return '%';
      const value = args[i++] ?? '';
      if (kind === 'd') return String(Number.parseInt(value, 10) || 0);
      if (kind === 'x') return (Number.parseInt(value, 10) || 0).toString(16);
      return value;
    });
    await io.stdout.write(unescapeEcho(out).text);
    return 0;
  }],
  ['export', async (shell, args) => {
    const env = envOf(shell);
    for (const arg of args) {
      if (arg === '-p') continue;
      const eq = arg.indexOf('=');
      if (eq > 0) {
        env.vars.set(arg.slice(0, eq), arg.slice(eq + 1));
        env.exported.add(arg.slice(0, eq));
      } else env.exported.add(arg);
    }
    return 0;
  }],
  ['unset', async (shell, args) => {
    for (const arg of args) envOf(shell).vars.delete(arg);
    return 0;
  }],
  ['set', async (shell, args) => {
    // `set -- ARG…` replaces the positional parameters ($1…, $#, $@); options are accepted and ignored.
    const dashes = args.indexOf('--');
    if (dashes < 0) return 0;
    const vars = envOf(shell).vars;
    for (const key of [...vars.keys()]) if (/^[1-9]\d*$/.test(key)) vars.delete(key);
    args.slice(dashes + 1).forEach((value, i) => vars.set(String(i + 1), value));
    vars.set('#', String(args.length - dashes - 1));
    return 0;
  }],
  ['cd', async (shell, args, io) => {
    const env = envOf(shell);
    const target = normalizePath(args[0] ?? '/', env.cwd);
    try {
      (shell as unknown as { options: InterpreterOptions<unknown> }).options.files.list(target, shell.credentials);
    } catch (error) {
      await io.stderr.write(`${SHELL}: cd: ${args[0] ?? '/'}: ${(error as Error).message}\n`);
      return 2;
    }
    env.cwd = target;
    return 0;
  }],
  ['pwd', async (shell, _args, io) => {
    await io.stdout.write(envOf(shell).cwd + '\n');
    return 0;
  }],
  ['exit', async (shell, args) => {
    throw new ExitSignal(args[0] !== undefined ? Number.parseInt(args[0], 10) & 0xff : envOf(shell).lastStatus);
  }],
  ['exec', async (shell, args, io) => {
    if (args.length === 0) return 0;
    throw new ExitSignal(await shell.invoke(args, io));
  }],
  ['sleep', async (shell, args, io) => {
    const seconds = Number.parseFloat(args[0] ?? '');
    if (!Number.isFinite(seconds) || seconds < 0) {
      await io.stderr.write(`sleep: invalid number '${args[0] ?? ''}'\n`);
      return 1;
    }
    await sleep(seconds * 1000, signalOf(shell));
    return 0;
  }],
  ['test', async (shell, args) => (evaluateTest(shell, args) ? 0 : 1)],
  ['[', async (shell, args, io) => {
    if (args[args.length - 1] !== ']') {
      await io.stderr.write(`${SHELL}: [: missing ]\n`);
      return 2;
    }
    return evaluateTest(shell, args.slice(0, -1)) ? 0 : 1;
  }],
  ['sh', async (shell, args, io) => {
    const c = args.indexOf('-c');
    if (c < 0 || args[c + 1] === undefined) {
      await io.stderr.write(`${SHELL}: interactive shells are not supported here; use sh -c 'command'\n`);
      return 2;
    }
    return shell.nested(args[c + 1]!, io);
  }],
  ['command', async (shell, args, io): Promise<number> => {
    if (args[0] === '-v') {
      const name = args[1] ?? '';
      const known = BUILTINS.has(name) || (shell as unknown as { options: InterpreterOptions<unknown> }).options.commands.has(name);
      if (known) await io.stdout.write(BUILTINS.has(name) ? `${name}\n` : `/system/bin/${name}\n`);
      return known ? 0 : 1;
    }
    return args.length ? shell.invoke(args, io) : 0;
  }],
  ['which', async (shell, args, io) => {
    let status = 0;
    for (const name of args) {
      if ((shell as unknown as { options: InterpreterOptions<unknown> }).options.commands.has(name)) await io.stdout.write(`/system/bin/${name}\n`);
      else status = 1;
    }
    return status;
  }],
]);
