import type { SnapshotNode } from './uiSnapshot.js';

/**
 * The XPath 1.0 subset Appium users write, evaluated over a UI snapshot (the same tree the page
 * source shows): absolute and relative paths, `//`, `.`, `..`, `*`, `node()`, axes (child,
 * descendant[-or-self], parent, ancestor[-or-self], following-sibling, preceding-sibling, self),
 * predicates with `@attr`, string and number literals, `=` `!=` `<` `<=` `>` `>=`, `and`, `or`,
 * positions `[n]`, `last()`, `position()`, `contains()`, `starts-with()`, `ends-with()`, `not()`,
 * `string-length()`, `normalize-space()`, `count()`, `text()`, `true()`, `false()`, `concat()`,
 * `substring[-before|-after]()`, `translate()`, and the XPath 2.0 functions the real server's
 * PsychoPath engine has: `lower-case()`, `upper-case()`, `matches()`, `replace()`; parenthesised
 * paths `(//x)[2]` and unions `|`. Anything else is an `XPathSyntaxError` naming the position.
 */
export class XPathSyntaxError extends Error {
  override name = 'XPathSyntaxError';
}

const MAX_EXPRESSION = 4096;
const MAX_DEPTH = 64;

type Axis = 'child' | 'descendant' | 'descendant-or-self' | 'parent' | 'ancestor' | 'ancestor-or-self' | 'following-sibling' | 'preceding-sibling' | 'self' | 'attribute';
const AXES = new Set<Axis>(['child', 'descendant', 'descendant-or-self', 'parent', 'ancestor', 'ancestor-or-self', 'following-sibling', 'preceding-sibling', 'self', 'attribute']);

interface Step {
  axis: Axis;
  /** '*' any element, 'node()' any node, 'text()' text nodes (there are none), else a tag / attribute name. */
  test: string;
  predicates: Expr[];
}

type PathStart = { kind: 'root' } | { kind: 'context' } | { kind: 'filter'; expr: Expr; predicates: Expr[] };
type Expr =
  | { kind: 'path'; start: PathStart; steps: Step[] }
  | { kind: 'union'; parts: Expr[] }
  | { kind: 'literal'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'binary'; op: 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>='; left: Expr; right: Expr }
  | { kind: 'call'; name: string; args: Expr[] };

// --- tokenizer ---

type Token = { t: 'op'; v: string; at: number } | { t: 'name'; v: string; at: number } | { t: 'str'; v: string; at: number } | { t: 'num'; v: number; at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['//', '!=', '<=', '>=', '::', '..'].includes(two)) {
      out.push({ t: 'op', v: two, at: i });
      i += 2;
      continue;
    }
    if (c === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
      const m = /^\.[0-9]+/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if ('/()[]@,|=<>.*'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new XPathSyntaxError(`unterminated string starting at position ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const num = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    // Names: class names carry dots and dashes (android.widget.TextView, resource-id).
    const name = /^[A-Za-z_$][\w.$-]*/.exec(src.slice(i));
    if (name) {
      let v = name[0];
      // `a..` is not a name ending in dots; give the dots back.
      while (v.endsWith('.')) v = v.slice(0, -1);
      out.push({ t: 'name', v, at: i });
      i += v.length;
      continue;
    }
    throw new XPathSyntaxError(`unexpected character '${c}' at position ${i}`);
  }
  return out;
}

// --- parser ---

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[], private readonly src: string) {}

  parse(): Expr {
    const expr = this.orExpr();
    if (this.pos < this.tokens.length) this.fail('unexpected');
    return expr;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.t === 'op' && t.v === v;
  }
  private isName(v: string): boolean {
    const t = this.peek();
    return t?.t === 'name' && t.v === v;
  }
  private fail(what: string): never {
    const t = this.peek();
    const where = t ? `'${this.src.slice(t.at, t.at + 20)}' at position ${t.at}` : 'end of expression';
    throw new XPathSyntaxError(`${what} ${where}`);
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}' before`);
    this.pos++;
  }
  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new XPathSyntaxError(`expression nested deeper than ${MAX_DEPTH} levels`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private orExpr(): Expr {
    return this.nest(() => {
      let left = this.andExpr();
      while (this.isName('or')) {
        this.pos++;
        left = { kind: 'binary', op: 'or', left, right: this.andExpr() };
      }
      return left;
    });
  }
  private andExpr(): Expr {
    let left = this.eqExpr();
    while (this.isName('and')) {
      this.pos++;
      left = { kind: 'binary', op: 'and', left, right: this.eqExpr() };
    }
    return left;
  }
  private eqExpr(): Expr {
    let left = this.relExpr();
    while (this.isOp('=') || this.isOp('!=')) {
      const op = (this.tokens[this.pos++] as { v: '=' | '!=' }).v;
      left = { kind: 'binary', op, left, right: this.relExpr() };
    }
    return left;
  }
  private relExpr(): Expr {
    let left = this.unionExpr();
    while (this.isOp('<') || this.isOp('<=') || this.isOp('>') || this.isOp('>=')) {
      const op = (this.tokens[this.pos++] as { v: '<' | '<=' | '>' | '>=' }).v;
      left = { kind: 'binary', op, left, right: this.unionExpr() };
    }
    return left;
  }
  private unionExpr(): Expr {
    const first = this.pathExpr();
    if (!this.isOp('|')) return first;
    const parts = [first];
    while (this.isOp('|')) {
      this.pos++;
      parts.push(this.pathExpr());
    }
    return { kind: 'union', parts };
  }

  private pathExpr(): Expr {
    const t = this.peek();
    if (!t) this.fail('expected an expression at');
    if (t.t === 'str') {
      this.pos++;
      return { kind: 'literal', value: t.v };
    }
    if (t.t === 'num') {
      this.pos++;
      return { kind: 'number', value: t.v };
    }
    if (t.t === 'op' && (t.v === '/' || t.v === '//')) {
      this.pos++;
      const steps: Step[] = [];
      if (t.v === '//') steps.push({ axis: 'descendant-or-self', test: 'node()', predicates: [] });
      else if (!this.startsStep()) return { kind: 'path', start: { kind: 'root' }, steps };
      steps.push(this.step());
      return { kind: 'path', start: { kind: 'root' }, steps: this.moreSteps(steps) };
    }
    if (t.t === 'op' && t.v === '(') {
      this.pos++;
      const expr = this.orExpr();
      this.expectOp(')');
      const predicates = this.predicates();
      if (predicates.length === 0 && !this.isOp('/') && !this.isOp('//')) return expr;
      return { kind: 'path', start: { kind: 'filter', expr, predicates }, steps: this.moreSteps([]) };
    }
    if (t.t === 'name' && this.isOp('(', 1) && !['node', 'text'].includes(t.v)) {
      this.pos += 2;
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        args.push(this.orExpr());
        while (this.isOp(',')) {
          this.pos++;
          args.push(this.orExpr());
        }
      }
      this.expectOp(')');
      return { kind: 'call', name: t.v, args };
    }
    if (this.startsStep()) return { kind: 'path', start: { kind: 'context' }, steps: this.moreSteps([this.step()]) };
    this.fail('unexpected');
  }

  private startsStep(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.t === 'name') return true;
    return t.t === 'op' && ['*', '@', '.', '..'].includes(t.v);
  }

  private moreSteps(steps: Step[]): Step[] {
    while (this.isOp('/') || this.isOp('//')) {
      if ((this.tokens[this.pos++] as { v: string }).v === '//') steps.push({ axis: 'descendant-or-self', test: 'node()', predicates: [] });
      steps.push(this.step());
    }
    return steps;
  }

  private step(): Step {
    if (this.isOp('.')) {
      this.pos++;
      return { axis: 'self', test: 'node()', predicates: [] };
    }
    if (this.isOp('..')) {
      this.pos++;
      return { axis: 'parent', test: 'node()', predicates: [] };
    }
    let axis: Axis = 'child';
    if (this.isOp('@')) {
      this.pos++;
      axis = 'attribute';
    } else if (this.peek()?.t === 'name' && this.isOp('::', 1)) {
      const name = (this.peek() as { v: string }).v;
      if (!AXES.has(name as Axis)) this.fail(`unsupported axis '${name}' at`);
      axis = name as Axis;
      this.pos += 2;
    }
    const t = this.peek();
    let test: string;
    if (t?.t === 'op' && t.v === '*') {
      this.pos++;
      test = '*';
    } else if (t?.t === 'name') {
      this.pos++;
      test = t.v;
      if ((test === 'node' || test === 'text') && this.isOp('(')) {
        this.pos++;
        this.expectOp(')');
        test += '()';
      }
    } else this.fail('expected a name or * at');
    return { axis, test, predicates: axis === 'attribute' ? [] : this.predicates() };
  }

  private predicates(): Expr[] {
    const out: Expr[] = [];
    while (this.isOp('[')) {
      this.pos++;
      out.push(this.orExpr());
      this.expectOp(']');
    }
    return out;
  }
}

export function parseXPath(expression: string): Expr {
  if (expression.length > MAX_EXPRESSION) throw new XPathSyntaxError(`expression longer than ${MAX_EXPRESSION} characters`);
  if (expression.trim() === '') throw new XPathSyntaxError('empty expression');
  return new Parser(tokenize(expression), expression).parse();
}

// --- evaluation ---

type Value = { kind: 'nodes'; nodes: SnapshotNode[] } | { kind: 'attrs'; values: string[] } | string | number | boolean;

interface Doc {
  document: SnapshotNode;
  parent: Map<SnapshotNode, SnapshotNode>;
  order: Map<SnapshotNode, number>;
}

function indexDocument(top: SnapshotNode): Doc {
  const document: SnapshotNode = { node: null, tag: '#document', attrs: new Map(), children: [top], parent: null };
  const parent = new Map<SnapshotNode, SnapshotNode>();
  const order = new Map<SnapshotNode, number>();
  let n = 0;
  const walk = (node: SnapshotNode) => {
    order.set(node, n++);
    for (const c of node.children) {
      parent.set(c, node);
      walk(c);
    }
  };
  walk(document);
  return { document, parent, order };
}

function axisNodes(doc: Doc, node: SnapshotNode, axis: Axis): SnapshotNode[] {
  switch (axis) {
    case 'child':
      return node.children;
    case 'self':
      return [node];
    case 'parent': {
      const p = doc.parent.get(node);
      return p ? [p] : [];
    }
    case 'ancestor':
    case 'ancestor-or-self': {
      const out = axis === 'ancestor-or-self' ? [node] : [];
      for (let p = doc.parent.get(node); p; p = doc.parent.get(p)) out.push(p);
      return out;
    }
    case 'descendant':
    case 'descendant-or-self': {
      const out = axis === 'descendant-or-self' ? [node] : [];
      const walk = (n: SnapshotNode) => {
        for (const c of n.children) {
          out.push(c);
          walk(c);
        }
      };
      walk(node);
      return out;
    }
    case 'following-sibling':
    case 'preceding-sibling': {
      const p = doc.parent.get(node);
      if (!p) return [];
      const i = p.children.indexOf(node);
      return axis === 'following-sibling' ? p.children.slice(i + 1) : p.children.slice(0, i).reverse();
    }
    case 'attribute':
      return [];
  }
}

function matchesTest(node: SnapshotNode, test: string): boolean {
  if (test === 'node()') return true;
  if (test === 'text()') return false; // the dump has attributes only, no text nodes
  if (node.tag === '#document') return false;
  return test === '*' || test === node.tag;
}

function toStrings(v: Value): string[] {
  if (typeof v === 'object') return v.kind === 'attrs' ? v.values : v.nodes.map(() => '');
  return [toString(v)];
}
function toString(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return String(v);
  return toStrings(v)[0] ?? '';
}
function toBoolean(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return v.kind === 'attrs' ? v.values.length > 0 : v.nodes.length > 0;
}
function toNumber(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = toString(v).trim();
  return s === '' ? NaN : Number(s);
}

function compare(op: '=' | '!=' | '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  const setA = typeof a === 'object' ? toStrings(a) : null;
  const setB = typeof b === 'object' ? toStrings(b) : null;
  const one = (x: string | number | boolean, y: string | number | boolean): boolean => {
    if (op === '=' || op === '!=') {
      let eq: boolean;
      if (typeof x === 'boolean' || typeof y === 'boolean') eq = toBoolean(x) === toBoolean(y);
      else if (typeof x === 'number' || typeof y === 'number') eq = toNumber(x) === toNumber(y);
      else eq = x === y;
      return op === '=' ? eq : !eq;
    }
    const nx = toNumber(x);
    const ny = toNumber(y);
    return op === '<' ? nx < ny : op === '<=' ? nx <= ny : op === '>' ? nx > ny : nx >= ny;
  };
  if (setA && setB) return setA.some((x) => setB.some((y) => one(x, y)));
  if (setA) return typeof b === 'boolean' ? one(toBoolean(a), b) : setA.some((x) => one(typeof b === 'number' ? toNumber(x) : x, b as string | number));
  if (setB) return typeof a === 'boolean' ? one(a, toBoolean(b)) : setB.some((y) => one(a as string | number, typeof a === 'number' ? toNumber(y) : y));
  return one(a as string | number | boolean, b as string | number | boolean);
}

interface Ctx {
  node: SnapshotNode;
  position: number;
  size: number;
}

class Evaluator {
  constructor(private readonly doc: Doc) {}

  value(expr: Expr, ctx: Ctx): Value {
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'number':
        return expr.value;
      case 'union': {
        const nodes = new Set<SnapshotNode>();
        for (const part of expr.parts) {
          const v = this.value(part, ctx);
          if (typeof v !== 'object' || v.kind !== 'nodes') throw new XPathSyntaxError("'|' joins paths to elements only");
          for (const n of v.nodes) nodes.add(n);
        }
        return { kind: 'nodes', nodes: this.sorted([...nodes]) };
      }
      case 'binary': {
        if (expr.op === 'or') return toBoolean(this.value(expr.left, ctx)) || toBoolean(this.value(expr.right, ctx));
        if (expr.op === 'and') return toBoolean(this.value(expr.left, ctx)) && toBoolean(this.value(expr.right, ctx));
        return compare(expr.op, this.value(expr.left, ctx), this.value(expr.right, ctx));
      }
      case 'call':
        return this.call(expr.name, expr.args, ctx);
      case 'path':
        return this.path(expr, ctx);
    }
  }

  private call(name: string, args: Expr[], ctx: Ctx): Value {
    const arity = (n: number) => {
      if (args.length !== n) throw new XPathSyntaxError(`${name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
    };
    const str = (i: number) => toString(this.value(args[i]!, ctx));
    switch (name) {
      case 'contains':
        arity(2);
        return str(0).includes(str(1));
      case 'starts-with':
        arity(2);
        return str(0).startsWith(str(1));
      case 'ends-with':
        arity(2);
        return str(0).endsWith(str(1));
      case 'not':
        arity(1);
        return !toBoolean(this.value(args[0]!, ctx));
      case 'last':
        arity(0);
        return ctx.size;
      case 'position':
        arity(0);
        return ctx.position;
      case 'true':
        arity(0);
        return true;
      case 'false':
        arity(0);
        return false;
      case 'string-length':
        return args.length === 0 ? 0 : (arity(1), str(0).length);
      case 'normalize-space':
        return (args.length === 0 ? '' : (arity(1), str(0))).trim().replace(/\s+/g, ' ');
      case 'string':
        arity(1);
        return str(0);
      case 'count': {
        arity(1);
        const v = this.value(args[0]!, ctx);
        if (typeof v !== 'object') throw new XPathSyntaxError('count() takes a path');
        return v.kind === 'nodes' ? v.nodes.length : v.values.length;
      }
      // XPath 1.0 string functions and the XPath 2.0 (F&O) ones the real server has: since 4.x
      // appium-uiautomator2-server evaluates XPath with Eclipse PsychoPath, an XPath 2.0 processor
      // (app/build.gradle: "org.eclipse.wst.xml.xpath2.processor" with xercesImpl, java-cup and icu4j
      // "required for XPath search"), so lower-case(), upper-case(), matches() and replace() work there.
      case 'concat':
        if (args.length < 2) throw new XPathSyntaxError('concat() takes at least 2 arguments');
        return args.map((_a, i) => str(i)).join('');
      case 'substring': {
        if (args.length !== 2 && args.length !== 3) throw new XPathSyntaxError(`substring() takes 2 or 3 arguments, got ${args.length}`);
        const text = [...str(0)];
        const start = Math.round(toNumber(this.value(args[1]!, ctx)));
        const end = args.length === 3 ? start + Math.round(toNumber(this.value(args[2]!, ctx))) : Infinity;
        return text.filter((_c, i) => i + 1 >= start && i + 1 < end).join('');
      }
      case 'substring-before': {
        arity(2);
        const at = str(0).indexOf(str(1));
        return at < 0 ? '' : str(0).slice(0, at);
      }
      case 'substring-after': {
        arity(2);
        const at = str(0).indexOf(str(1));
        return at < 0 ? '' : str(0).slice(at + str(1).length);
      }
      case 'translate': {
        arity(3);
        const from = [...str(1)];
        const to = [...str(2)];
        return [...str(0)].map((c) => (from.includes(c) ? (to[from.indexOf(c)] ?? '') : c)).join('');
      }
      case 'lower-case':
        arity(1);
        return str(0).toLowerCase();
      case 'upper-case':
        arity(1);
        return str(0).toUpperCase();
      case 'matches':
        if (args.length !== 2 && args.length !== 3) throw new XPathSyntaxError(`matches() takes 2 or 3 arguments, got ${args.length}`);
        return xsdRegex(str(1), args.length === 3 ? str(2) : '').test(str(0));
      case 'replace':
        if (args.length !== 3 && args.length !== 4) throw new XPathSyntaxError(`replace() takes 3 or 4 arguments, got ${args.length}`);
      {
        const re = xsdRegex(str(1), args.length === 4 ? str(3) : '');
        // F&O replace(): $N refers to a group, \$ is a literal dollar (JS wants $$).
        return str(0).replace(new RegExp(re.source, `${re.flags}g`), str(2).replace(/\\\$/g, '$$$$'));
      }
      default:
        throw new XPathSyntaxError(`unsupported function ${name}()`);
    }
  }

  private path(expr: Extract<Expr, { kind: 'path' }>, ctx: Ctx): Value {
    let nodes: SnapshotNode[];
    if (expr.start.kind === 'root') nodes = [this.doc.document];
    else if (expr.start.kind === 'context') nodes = [ctx.node];
    else {
      const v = this.value(expr.start.expr, ctx);
      if (typeof v !== 'object' || v.kind !== 'nodes') throw new XPathSyntaxError('a filter expression must select elements');
      nodes = this.filter(v.nodes, expr.start.predicates);
    }
    for (let i = 0; i < expr.steps.length; i++) {
      const step = expr.steps[i]!;
      if (step.axis === 'attribute') {
        if (i !== expr.steps.length - 1) throw new XPathSyntaxError('an attribute step must be the last step');
        const values: string[] = [];
        for (const n of nodes) {
          if (step.test === '*') values.push(...n.attrs.values());
          else if (n.attrs.has(step.test)) values.push(n.attrs.get(step.test)!);
        }
        return { kind: 'attrs', values };
      }
      const next = new Set<SnapshotNode>();
      for (const n of nodes) {
        const candidates = axisNodes(this.doc, n, step.axis).filter((c) => matchesTest(c, step.test));
        // Positions in predicates count along the axis (backwards for reverse axes).
        for (const hit of this.filter(candidates, step.predicates)) next.add(hit);
      }
      nodes = this.sorted([...next]);
    }
    return { kind: 'nodes', nodes: nodes.filter((n) => n !== this.doc.document) };
  }

  private filter(nodes: SnapshotNode[], predicates: Expr[]): SnapshotNode[] {
    let current = nodes;
    for (const predicate of predicates) {
      const size = current.length;
      current = current.filter((node, i) => {
        const v = this.value(predicate, { node, position: i + 1, size });
        return typeof v === 'number' ? v === i + 1 : toBoolean(v);
      });
    }
    return current;
  }

  private sorted(nodes: SnapshotNode[]): SnapshotNode[] {
    return nodes.sort((a, b) => this.doc.order.get(a)! - this.doc.order.get(b)!);
  }
}

/**
 * An XML Schema regular expression with XPath 2.0 flags (F&O 7.6.1: s, m, i, x) as a JS RegExp;
 * matches() is unanchored. A pattern JS cannot compile is F&O's FORX0002, reported as a bad selector.
 */
function xsdRegex(pattern: string, flags: string): RegExp {
  if (/[^smix]/.test(flags)) throw new XPathSyntaxError(`invalid regular expression flags '${flags}' (FORX0001)`);
  const source = flags.includes('x') ? pattern.replace(/\s+/g, '') : pattern;
  try {
    return new RegExp(source, [...new Set(flags.replace('x', ''))].join('') + 'u');
  } catch (error) {
    throw new XPathSyntaxError(`invalid regular expression '${pattern}' (FORX0002): ${(error as Error).message}`);
  }
}

/** The elements an XPath selects, in document order. `context` is the node relative paths start from. */
export function evaluateXPath(expression: string | Expr, top: SnapshotNode, context?: SnapshotNode): SnapshotNode[] {
  const expr = typeof expression === 'string' ? parseXPath(expression) : expression;
  const doc = indexDocument(top);
  const value = new Evaluator(doc).value(expr, { node: context ?? doc.document, position: 1, size: 1 });
  if (typeof value !== 'object' || value.kind !== 'nodes') throw new XPathSyntaxError('the expression does not select elements (it yields a value)');
  return value.nodes;
}
