/**
 * A POSIX-shell subset, as mksh (Android's /system/bin/sh) reads the command lines adb clients
 * send: quoting, `;` `&&` `||` `|` `&`, redirections (`2>/dev/null`, `>>f`, `2>&1`, `<f`),
 * assignments, `while/until … do … done`, `for NAME in …; do … done`, `if … then … fi`, `{ …; }`,
 * `( … )` and command substitution (`$( … )`, backticks).
 */

export type WordPart =
  | { kind: 'literal'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; quoted: boolean }
  /** `$(…)` or `` `…` ``: the inner command line, run in a subshell, its output (trailing newlines removed) in place. */
  | { kind: 'command'; source: string; quoted: boolean }
  /** `$((…))`: arithmetic expansion (the expression text, evaluated by the interpreter). */
  | { kind: 'arith'; source: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
  /** The raw source text (for logs and reserved-word checks). */
  raw: string;
}

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&';
  target: Word;
}

export interface SimpleCommand {
  type: 'simple';
  assignments: Array<{ name: string; value: Word }>;
  words: Word[];
  redirects: Redirect[];
}

export interface LoopCommand {
  type: 'while' | 'until';
  condition: Script;
  body: Script;
  redirects: Redirect[];
}

export interface IfCommand {
  type: 'if';
  branches: Array<{ condition: Script; body: Script }>;
  otherwise: Script | null;
  redirects: Redirect[];
}

export interface GroupCommand {
  type: 'group' | 'subshell';
  body: Script;
  redirects: Redirect[];
}

export interface ForCommand {
  type: 'for';
  name: string;
  items: Word[];
  body: Script;
  redirects: Redirect[];
}

/** `case WORD in [(]PATTERN[|PATTERN…]) LIST ;; … esac` (POSIX 2.9.4.3). */
export interface CaseCommand {
  type: 'case';
  subject: Word;
  items: Array<{ patterns: Word[]; body: Script }>;
  redirects: Redirect[];
}

export type Command = SimpleCommand | LoopCommand | IfCommand | GroupCommand | ForCommand | CaseCommand;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
  background: boolean;
}

export type Script = AndOr[];

export class ShellSyntaxError extends Error {}

type Token =
  | { type: 'word'; word: Word }
  | { type: 'op'; op: string }
  | { type: 'redirect'; fd: number; op: Redirect['op'] }
  | { type: 'newline' }
  | { type: 'eof' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Index of the `)` closing a `$(` whose body starts at `from` (quotes and nested parentheses respected). */
function closingParen(source: string, from: number): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) break;
      i = end;
      continue;
    }
    if (c === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new ShellSyntaxError("syntax error: '$(' unmatched");
}

/** Index of the backtick closing one that starts a substitution at `from - 1`. */
function closingBacktick(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === '`') return i;
  }
  throw new ShellSyntaxError("syntax error: '`' unmatched");
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      tokens.push({ type: 'newline' });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    const three = source.slice(i, i + 2);
    if (three === '&&' || three === '||' || three === ';;') {
      tokens.push({ type: 'op', op: three });
      i += 2;
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      tokens.push({ type: 'op', op: c });
      i++;
      continue;
    }
    // Redirection, with an optional io number glued before it (2>/dev/null).
    const redirect = /^(\d?)(>>|>&|<&|>\||>|<)/.exec(source.slice(i));
    if (redirect && (redirect[1] === '' || true)) {
      const fd = redirect[1] ? Number(redirect[1]) : redirect[2]!.startsWith('<') ? 0 : 1;
      const op = (redirect[2] === '>|' ? '>' : redirect[2]) as Redirect['op'];
      tokens.push({ type: 'redirect', fd, op });
      i += redirect[0].length;
      continue;
    }
    // A word.
    const parts: WordPart[] = [];
    const start = i;
    let literal = '';
    const flush = (quoted: boolean) => {
      if (literal) parts.push({ kind: 'literal', text: literal, quoted });
      literal = '';
    };
    const readParam = (quoted: boolean): boolean => {
      // at '$'
      const next = source[i + 1];
      if (next === '{') {
        const end = source.indexOf('}', i + 2);
        if (end < 0) throw new ShellSyntaxError(`syntax error: '\${' unmatched`);
        flush(quoted);
        parts.push({ kind: 'param', name: source.slice(i + 2, end), quoted });
        i = end + 1;
        return true;
      }
      if (next === '(') {
        if (source[i + 2] === '(') {
          const inner = closingParen(source, i + 3);
          if (source[inner + 1] !== ')') throw new ShellSyntaxError("syntax error: '$((' unmatched");
          flush(quoted);
          parts.push({ kind: 'arith', source: source.slice(i + 3, inner), quoted });
          i = inner + 2;
          return true;
        }
        const end = closingParen(source, i + 2);
        flush(quoted);
        parts.push({ kind: 'command', source: source.slice(i + 2, end), quoted });
        i = end + 1;
        return true;
      }
      const special = next !== undefined && '?$#!0123456789-@*'.includes(next);
      const match = special ? [next] : /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i + 1));
      if (!match) return false;
      flush(quoted);
      parts.push({ kind: 'param', name: match[0]!, quoted });
      i += 1 + match[0]!.length;
      return true;
    };
    while (i < n) {
      const ch = source[i]!;
      if (' \t\r\n;&|()<>'.includes(ch)) break;
      if (ch === '\\') {
        if (i + 1 < n && source[i + 1] !== '\n') {
          flush(false);
          literal = source[i + 1]!;
          flush(true);
        }
        i += 2;
        continue;
      }
      if (ch === "'") {
        const end = source.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError("syntax error: unterminated quoted string (')");
        flush(false);
        literal = source.slice(i + 1, end);
        parts.push({ kind: 'literal', text: literal, quoted: true });
        literal = '';
        i = end + 1;
        continue;
      }
      if (ch === '"') {
        flush(false);
        i++;
        let closed = false;
        let sawAny = false;
        while (i < n) {
          const d = source[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && i + 1 < n && '$`"\\\n'.includes(source[i + 1]!)) {
            if (source[i + 1] !== '\n') literal += source[i + 1];
            i += 2;
            continue;
          }
          if (d === '`') {
            const end = closingBacktick(source, i + 1);
            if (literal) parts.push({ kind: 'literal', text: literal, quoted: true });
            literal = '';
            parts.push({ kind: 'command', source: source.slice(i + 1, end).replace(/\\([`\\$])/g, '$1'), quoted: true });
            sawAny = true;
            i = end + 1;
            continue;
          }
          if (d === '$' && readParam(true)) {
            sawAny = true;
            continue;
          }
          literal += d;
          i++;
        }
        if (!closed) throw new ShellSyntaxError('syntax error: unterminated quoted string (")');
        if (literal || !sawAny) parts.push({ kind: 'literal', text: literal, quoted: true });
        literal = '';
        continue;
      }
      if (ch === '`') {
        const end = closingBacktick(source, i + 1);
        flush(false);
        parts.push({ kind: 'command', source: source.slice(i + 1, end).replace(/\\([`\\$])/g, '$1'), quoted: false });
        i = end + 1;
        continue;
      }
      if (ch === '$' && readParam(false)) continue;
      literal += ch;
      i++;
    }
    flush(false);
    tokens.push({ type: 'word', word: { parts, raw: source.slice(start, i) } });
  }
  tokens.push({ type: 'eof' });
  return tokens;
}

const RESERVED = new Set(['case', 'esac', 'for', 'in', 'while', 'until', 'do', 'done', 'if', 'then', 'elif', 'else', 'fi', '{', '}', '!']);

/** A word that is a plain unquoted reserved word (`do`, `done` …). */
function reserved(token: Token | undefined): string | null {
  if (!token || token.type !== 'word') return null;
  const word = token.word;
  if (word.parts.length !== 1) return null;
  const part = word.parts[0]!;
  return part.kind === 'literal' && !part.quoted && RESERVED.has(part.text) ? part.text : null;
}

export function parse(source: string): Script {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const isOp = (op: string) => {
    const t = peek();
    return t.type === 'op' && t.op === op;
  };
  const skipNewlines = () => {
    while (peek().type === 'newline') pos++;
  };
  const expectReserved = (word: string) => {
    skipSeparators();
    if (reserved(peek()) !== word) throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected (expecting '${word}')`);
    pos++;
  };
  const skipSeparators = () => {
    while (peek().type === 'newline' || isOp(';')) pos++;
  };

  function parseScript(terminators: string[]): Script {
    const list: Script = [];
    for (;;) {
      skipSeparators();
      const t = peek();
      if (t.type === 'eof') break;
      if (isOp(')') || isOp(';;')) break;
      const word = reserved(t);
      if (word && terminators.includes(word)) break;
      const andOr = parseAndOr();
      list.push(andOr);
      if (isOp('&')) {
        andOr.background = true;
        pos++;
      } else if (isOp(';') || peek().type === 'newline') {
        pos++;
      } else if (peek().type !== 'eof' && !isOp(')') && !isOp(';;') && !(reserved(peek()) && terminators.includes(reserved(peek())!))) {
        throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected`);
      }
    }
    return list;
  }

  function parseAndOr(): AndOr {
    const first = parsePipeline();
    const rest: AndOr['rest'] = [];
    while (isOp('&&') || isOp('||')) {
      const op = (next() as { op: '&&' | '||' }).op;
      skipNewlines();
      rest.push({ op, pipeline: parsePipeline() });
    }
    return { first, rest, background: false };
  }

  function parsePipeline(): Pipeline {
    let negate = false;
    if (reserved(peek()) === '!') {
      negate = true;
      pos++;
    }
    const commands = [parseCommand()];
    while (isOp('|')) {
      pos++;
      skipNewlines();
      commands.push(parseCommand());
    }
    return { negate, commands };
  }

  function parseRedirects(into: Redirect[]): void {
    while (peek().type === 'redirect') {
      const r = next() as { fd: number; op: Redirect['op'] };
      const target = next();
      if (target.type !== 'word') throw new ShellSyntaxError(`syntax error: '${describe(target)}' unexpected after redirection`);
      into.push({ fd: r.fd, op: r.op, target: target.word });
    }
  }

  function parseCommand(): Command {
    const word = reserved(peek());
    if (word === 'case') {
      pos++;
      const subjectToken = next();
      if (subjectToken.type !== 'word') throw new ShellSyntaxError(`syntax error: '${describe(subjectToken)}' unexpected`);
      skipNewlines();
      if (reserved(peek()) !== 'in') throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected (expecting 'in')`);
      pos++;
      const items: CaseCommand['items'] = [];
      for (;;) {
        skipSeparators();
        if (reserved(peek()) === 'esac') break;
        if (isOp('(')) pos++;
        const patterns: Word[] = [];
        for (;;) {
          const t = next();
          if (t.type !== 'word') throw new ShellSyntaxError(`syntax error: '${describe(t)}' unexpected`);
          patterns.push(t.word);
          if (isOp('|')) {
            pos++;
            continue;
          }
          break;
        }
        if (!isOp(')')) throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected (expecting ')')`);
        pos++;
        const body = parseScript(['esac']);
        items.push({ patterns, body });
        if (isOp(';;')) {
          pos++;
          continue;
        }
        skipSeparators();
        if (reserved(peek()) !== 'esac') throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected (expecting ';;' or 'esac')`);
      }
      expectReserved('esac');
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: 'case', subject: subjectToken.word, items, redirects };
    }
    if (word === 'for') {
      pos++;
      const nameToken = next();
      const name = nameToken.type === 'word' ? nameToken.word.raw : '';
      if (!NAME.test(name)) throw new ShellSyntaxError(`syntax error: '${name || describe(nameToken)}' is not an identifier`);
      const items: Word[] = [];
      skipNewlines();
      if (reserved(peek()) === 'in') {
        pos++;
        while (peek().type === 'word' && reserved(peek()) !== 'do') items.push((next() as { word: Word }).word);
      } else {
        // `for NAME; do`: the positional parameters, which a `-c` line does not have.
      }
      expectReserved('do');
      const body = parseScript(['done']);
      expectReserved('done');
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: 'for', name, items, body, redirects };
    }
    if (word === 'while' || word === 'until') {
      pos++;
      const condition = parseScript(['do']);
      expectReserved('do');
      const body = parseScript(['done']);
      expectReserved('done');
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: word, condition, body, redirects };
    }
    if (word === 'if') {
      pos++;
      const branches: IfCommand['branches'] = [];
      let otherwise: Script | null = null;
      const condition = parseScript(['then']);
      expectReserved('then');
      branches.push({ condition, body: parseScript(['elif', 'else', 'fi']) });
      for (;;) {
        skipSeparators();
        const r = reserved(peek());
        if (r === 'elif') {
          pos++;
          const c = parseScript(['then']);
          expectReserved('then');
          branches.push({ condition: c, body: parseScript(['elif', 'else', 'fi']) });
        } else if (r === 'else') {
          pos++;
          otherwise = parseScript(['fi']);
        } else break;
      }
      expectReserved('fi');
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: 'if', branches, otherwise, redirects };
    }
    if (word === '{') {
      pos++;
      const body = parseScript(['}']);
      expectReserved('}');
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: 'group', body, redirects };
    }
    if (isOp('(')) {
      pos++;
      const body = parseScript([]);
      if (!isOp(')')) throw new ShellSyntaxError(`syntax error: '(' unmatched`);
      pos++;
      const redirects: Redirect[] = [];
      parseRedirects(redirects);
      return { type: 'subshell', body, redirects };
    }
    const command: SimpleCommand = { type: 'simple', assignments: [], words: [], redirects: [] };
    for (;;) {
      const t = peek();
      if (t.type === 'redirect') {
        parseRedirects(command.redirects);
        continue;
      }
      if (t.type !== 'word') break;
      if (command.words.length > 0 && false) break;
      const eq = t.word.raw.indexOf('=');
      const first = t.word.parts[0];
      if (command.words.length === 0 && eq > 0 && NAME.test(t.word.raw.slice(0, eq)) && first?.kind === 'literal' && !first.quoted && first.text.includes('=')) {
        pos++;
        const name = t.word.raw.slice(0, eq);
        const valueParts: WordPart[] = [{ ...first, text: first.text.slice(first.text.indexOf('=') + 1) }, ...t.word.parts.slice(1)];
        command.assignments.push({ name, value: { parts: valueParts, raw: t.word.raw.slice(eq + 1) } });
        continue;
      }
      pos++;
      command.words.push(t.word);
    }
    if (command.words.length === 0 && command.assignments.length === 0 && command.redirects.length === 0) {
      throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected`);
    }
    return command;
  }

  const script = parseScript([]);
  if (peek().type !== 'eof') throw new ShellSyntaxError(`syntax error: '${describe(peek())}' unexpected`);
  return script;
}

function describe(token: Token): string {
  switch (token.type) {
    case 'word':
      return token.word.raw;
    case 'op':
      return token.op;
    case 'redirect':
      return token.op;
    case 'newline':
      return 'newline';
    case 'eof':
      return 'end of file';
  }
}

/** The command names a script would run, where they are literal (for the known/unknown log). */
export function commandNames(script: Script): string[] {
  const names: string[] = [];
  const visit = (list: Script) => {
    for (const andOr of list) {
      for (const pipeline of [andOr.first, ...andOr.rest.map((r) => r.pipeline)]) {
        for (const command of pipeline.commands) {
          if (command.type === 'simple') {
            const first = command.words[0];
            if (first && first.parts.every((p) => p.kind === 'literal')) names.push(first.parts.map((p) => (p as { text: string }).text).join(''));
          } else if (command.type === 'while' || command.type === 'until') {
            visit(command.condition);
            visit(command.body);
          } else if (command.type === 'for') {
            visit(command.body);
          } else if (command.type === 'if') {
            for (const b of command.branches) {
              visit(b.condition);
              visit(b.body);
            }
            if (command.otherwise) visit(command.otherwise);
          } else if (command.type === 'case') {
            for (const item of command.items) visit(item.body);
          } else visit(command.body);
        }
      }
    }
  };
  visit(script);
  return names;
}
