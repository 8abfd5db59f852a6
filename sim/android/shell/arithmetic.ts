import { ShellSyntaxError } from './parser.js';

/**
 * `$((…))` as mksh evaluates it (POSIX 2.6.4 plus mksh's 32-bit signed integers, mksh(1)
 * "Arithmetic expressions"): decimal (a leading 0 is still decimal in mksh, checked against R59c)
 * and 0x hex constants, variables by name (unset or
 * empty = 0), unary + - ! ~, * / %, + -, << >>, < <= > >=, == !=, &, ^, |, &&, ||, ?:,
 * parentheses. Assignment operators (=, +=, ++ …) are not modelled: a clear syntax error.
 * Division by zero is mksh's "divisor by zero" error.
 */
export function evaluateArithmetic(text: string, variable: (name: string) => string | undefined): number {
  const tokens = text.match(/\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%()<>!~&^|?:=])/gy);
  const joined = (tokens ?? []).join('');
  if (joined.trim() !== text.trim() || /[^\s]/.test(text.slice(joined.length))) throw new ShellSyntaxError(`arithmetic: unexpected '${text.slice(joined.length).trim()}'`);
  if (/(^|[^=!<>])=($|[^=])|\+\+|--/.test(text)) throw new ShellSyntaxError(`${text.trim()}: assignment in $(( … )) is not supported by this shell`);
  const list = (tokens ?? []).map((t) => t.trim());
  let pos = 0;
  const peek = () => list[pos];
  const take = () => list[pos++];
  const wrap = (n: number) => n | 0;
  const fail = (what: string): never => {
    throw new ShellSyntaxError(`${text.trim()}: ${what}`);
  };

  const primary = (): number => {
    const t = take();
    if (t === undefined) return fail('unexpected end of expression');
    if (t === '(') {
      const v = ternary();
      if (take() !== ')') fail("missing ')'");
      return v;
    }
    if (t === '-') return wrap(-primary());
    if (t === '+') return primary();
    if (t === '!') return primary() === 0 ? 1 : 0;
    if (t === '~') return wrap(~primary());
    if (t === '++' || t === '--' || peek() === '=' || peek() === '++' || peek() === '--') return fail('assignment in $(( … )) is not supported by this shell');
    if (/^0[xX]/.test(t)) return wrap(Number.parseInt(t.slice(2), 16));
    if (/^\d+$/.test(t)) return wrap(Number(t));
    if (/^[A-Za-z_]/.test(t)) {
      const value = (variable(t) ?? '').trim();
      if (value === '') return 0;
      return evaluateArithmetic(value, variable);
    }
    return fail(`unexpected '${t}'`);
  };
  const binary = (next: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
    let v = next();
    while (peek() !== undefined && ops[peek()!]) {
      const op = take()!;
      v = wrap(ops[op]!(v, next()));
    }
    return v;
  };
  const div = (a: number, b: number) => (b === 0 ? fail('divisor by zero') : Math.trunc(a / b));
  const mod = (a: number, b: number) => (b === 0 ? fail('divisor by zero') : a % b);
  const mul = binary(primary, { '*': (a, b) => Math.imul(a, b), '/': div, '%': mod });
  const add = binary(mul, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const shift = binary(add, { '<<': (a, b) => a << b, '>>': (a, b) => a >> b });
  const rel = binary(shift, { '<': (a, b) => +(a < b), '<=': (a, b) => +(a <= b), '>': (a, b) => +(a > b), '>=': (a, b) => +(a >= b) });
  const eq = binary(rel, { '==': (a, b) => +(a === b), '!=': (a, b) => +(a !== b) });
  const band = binary(eq, { '&': (a, b) => a & b });
  const bxor = binary(band, { '^': (a, b) => a ^ b });
  const bor = binary(bxor, { '|': (a, b) => a | b });
  const land = binary(bor, { '&&': (a, b) => +(a !== 0 && b !== 0) });
  const lor = binary(land, { '||': (a, b) => +(a !== 0 || b !== 0) });
  function ternary(): number {
    const c = lor();
    if (peek() !== '?') return c;
    take();
    const a = ternary();
    if (take() !== ':') fail("missing ':'");
    const b = ternary();
    return c !== 0 ? a : b;
  }
  if (list.length === 0) return 0;
  const result = ternary();
  if (pos < list.length) fail(`unexpected '${list[pos]}'`);
  return result;
}
