import { descendants, type SnapshotNode } from './uiSnapshot.js';

/**
 * The `-android uiautomator` strategy: a parser for the UiSelector / UiScrollable Java expressions
 * Appium users write, evaluated over the UI snapshot. Supported: `new UiSelector()` chained with
 * text / textContains / textStartsWith / textMatches, description[Contains|StartsWith|Matches],
 * resourceId[Matches], className[Matches], packageName[Matches], checkable, checked, clickable,
 * enabled, focusable, focused, longClickable, scrollable, selected, index, instance, childSelector,
 * fromParent; `new UiScrollable(sel).scrollIntoView(sel)` / `.scrollTextIntoView("t")` (the
 * simulated pages are one screen, so scrolling finds what is already there); several statements
 * joined by `;`. Anything else is a `UiSelectorSyntaxError` naming it.
 */
export class UiSelectorSyntaxError extends Error {
  override name = 'UiSelectorSyntaxError';
}

const MAX_EXPRESSION = 4096;
const MAX_REGEX = 1024;

type Arg = string | number | boolean | Selector;
interface Call {
  method: string;
  args: Arg[];
}
interface Selector {
  kind: 'selector';
  calls: Call[];
}
type Statement = { kind: 'selector'; selector: Selector } | { kind: 'scrollable'; container: Selector; target: Selector };

class Reader {
  pos = 0;
  depth = 0;
  constructor(readonly src: string) {}
  skip(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }
  eat(text: string): boolean {
    this.skip();
    if (this.src.startsWith(text, this.pos)) {
      this.pos += text.length;
      return true;
    }
    return false;
  }
  expect(text: string): void {
    if (!this.eat(text)) this.fail(`expected '${text}'`);
  }
  ident(): string {
    this.skip();
    const m = /^[A-Za-z_][\w]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a method name');
    this.pos += m[0].length;
    return m[0];
  }
  fail(what: string): never {
    throw new UiSelectorSyntaxError(`${what} at position ${this.pos} ('${this.src.slice(this.pos, this.pos + 24)}')`);
  }
  atEnd(): boolean {
    this.skip();
    return this.pos >= this.src.length;
  }
}

function parseArg(r: Reader): Arg {
  r.skip();
  const c = r.src[r.pos];
  if (c === '"') {
    let out = '';
    r.pos++;
    while (r.pos < r.src.length && r.src[r.pos] !== '"') {
      if (r.src[r.pos] === '\\' && r.pos + 1 < r.src.length) r.pos++;
      out += r.src[r.pos++];
    }
    if (r.src[r.pos] !== '"') r.fail('unterminated string');
    r.pos++;
    return out;
  }
  if (r.eat('true')) return true;
  if (r.eat('false')) return false;
  const num = /^-?[0-9]+/.exec(r.src.slice(r.pos));
  if (num) {
    r.pos += num[0].length;
    return Number(num[0]);
  }
  if (r.src.startsWith('new', r.pos) || r.src.startsWith('UiSelector', r.pos)) return parseSelector(r);
  r.fail('expected a string, number, boolean or UiSelector');
}

function parseCalls(r: Reader): Call[] {
  const calls: Call[] = [];
  while (r.eat('.')) {
    const method = r.ident();
    r.expect('(');
    const args: Arg[] = [];
    if (!r.eat(')')) {
      do args.push(parseArg(r));
      while (r.eat(','));
      r.expect(')');
    }
    calls.push({ method, args });
  }
  return calls;
}

function parseSelector(r: Reader): Selector {
  if (++r.depth > 32) r.fail('selectors nested too deeply');
  r.eat('new');
  r.expect('UiSelector');
  r.expect('(');
  r.expect(')');
  const selector: Selector = { kind: 'selector', calls: parseCalls(r) };
  r.depth--;
  return selector;
}

function parseStatement(r: Reader): Statement {
  r.skip();
  const save = r.pos;
  r.eat('new');
  if (r.eat('UiScrollable')) {
    r.expect('(');
    const container = parseSelector(r);
    r.expect(')');
    const calls = parseCalls(r);
    const scrollTo = calls.find((c) => /^(scrollIntoView|scrollTextIntoView|scrollDescriptionIntoView|getChildByText|getChildByDescription)$/.test(c.method));
    if (!scrollTo) return { kind: 'selector', selector: container };
    const arg = scrollTo.args[scrollTo.method.startsWith('getChild') ? 1 : 0];
    let target: Selector;
    if (typeof arg === 'object') target = arg;
    else if (typeof arg === 'string') target = { kind: 'selector', calls: [{ method: /Description/.test(scrollTo.method) ? 'description' : 'text', args: [arg] }] };
    else throw new UiSelectorSyntaxError(`${scrollTo.method}() needs a UiSelector or a string`);
    return { kind: 'scrollable', container, target };
  }
  r.pos = save;
  return { kind: 'selector', selector: parseSelector(r) };
}

export function parseUiSelector(source: string): Statement[] {
  if (source.length > MAX_EXPRESSION) throw new UiSelectorSyntaxError(`selector longer than ${MAX_EXPRESSION} characters`);
  const r = new Reader(source);
  const statements: Statement[] = [];
  while (!r.atEnd()) {
    statements.push(parseStatement(r));
    if (!r.eat(';') && !r.atEnd()) r.fail("expected ';' or the end");
  }
  if (statements.length === 0) throw new UiSelectorSyntaxError('empty selector');
  return statements;
}

// --- matching ---

function regex(pattern: string): RegExp {
  if (pattern.length > MAX_REGEX) throw new UiSelectorSyntaxError(`regular expression longer than ${MAX_REGEX} characters`);
  try {
    // Java's String.matches() matches the whole string.
    return new RegExp(`^(?:${pattern})$`, 's');
  } catch (error) {
    throw new UiSelectorSyntaxError(`invalid regular expression '${pattern}': ${(error as Error).message}`);
  }
}

type Predicate = (n: SnapshotNode) => boolean;

function predicateFor(call: Call): Predicate | null {
  const [arg] = call.args;
  const needs = (type: 'string' | 'boolean' | 'number') => {
    if (typeof arg !== type || call.args.length !== 1) throw new UiSelectorSyntaxError(`${call.method}() takes one ${type}`);
  };
  const attr = (name: string) => (n: SnapshotNode) => n.attrs.get(name) ?? '';
  const str = (get: (n: SnapshotNode) => string, test: (v: string, a: string) => boolean): Predicate => {
    needs('string');
    return (n) => test(get(n), arg as string);
  };
  const bool = (name: string): Predicate => {
    needs('boolean');
    return (n) => (n.attrs.get(name) === 'true') === arg;
  };
  const eq = (v: string, a: string) => v === a;
  const matches = (re: RegExp) => (v: string) => re.test(v);
  switch (call.method) {
    case 'text': return str(attr('text'), eq);
    case 'textContains': return str(attr('text'), (v, a) => v.includes(a));
    case 'textStartsWith': return str(attr('text'), (v, a) => v.startsWith(a));
    case 'textMatches': needs('string'); { const m = matches(regex(arg as string)); return (n) => m(attr('text')(n)); }
    case 'description': return str(attr('content-desc'), eq);
    case 'descriptionContains': return str(attr('content-desc'), (v, a) => v.includes(a));
    case 'descriptionStartsWith': return str(attr('content-desc'), (v, a) => v.startsWith(a));
    case 'descriptionMatches': needs('string'); { const m = matches(regex(arg as string)); return (n) => m(attr('content-desc')(n)); }
    case 'resourceId': return str(attr('resource-id'), eq);
    case 'resourceIdMatches': needs('string'); { const m = matches(regex(arg as string)); return (n) => m(attr('resource-id')(n)); }
    case 'className': return str(attr('class'), eq);
    case 'classNameMatches': needs('string'); { const m = matches(regex(arg as string)); return (n) => m(attr('class')(n)); }
    case 'packageName': return str(attr('package'), eq);
    case 'packageNameMatches': needs('string'); { const m = matches(regex(arg as string)); return (n) => m(attr('package')(n)); }
    case 'checkable': return bool('checkable');
    case 'checked': return bool('checked');
    case 'clickable': return bool('clickable');
    case 'enabled': return bool('enabled');
    case 'focusable': return bool('focusable');
    case 'focused': return bool('focused');
    case 'longClickable': return bool('long-clickable');
    case 'scrollable': return bool('scrollable');
    case 'selected': return bool('selected');
    case 'index': needs('number'); return (n) => n.attrs.get('index') === String(arg);
    case 'instance': case 'childSelector': case 'fromParent':
      return null;
    default:
      throw new UiSelectorSyntaxError(`UiSelector method ${call.method}() is not supported by the simulated UiAutomator2 server`);
  }
}

function select(selector: Selector, scope: SnapshotNode[]): SnapshotNode[] {
  const predicates: Predicate[] = [];
  let instance: number | null = null;
  const relations: Call[] = [];
  for (const call of selector.calls) {
    const p = predicateFor(call);
    if (p) predicates.push(p);
    else if (call.method === 'instance') {
      if (typeof call.args[0] !== 'number') throw new UiSelectorSyntaxError('instance() takes one number');
      instance = call.args[0];
    } else {
      if (typeof call.args[0] !== 'object') throw new UiSelectorSyntaxError(`${call.method}() takes a UiSelector`);
      relations.push(call);
    }
  }
  let hits = scope.filter((n) => n.node !== null && predicates.every((p) => p(n)));
  for (const relation of relations) {
    const inner = relation.args[0] as Selector;
    const found = new Set<SnapshotNode>();
    for (const hit of hits) {
      const area = relation.method === 'childSelector' ? descendants(hit) : (hit.parent?.children.filter((c) => c !== hit) ?? []);
      for (const n of select(inner, area)) found.add(n);
    }
    hits = scope.filter((n) => found.has(n)).concat([...found].filter((n) => !scope.includes(n)));
  }
  if (instance !== null) return hits[instance] ? [hits[instance]!] : [];
  return hits;
}

/** Elements matching a `-android uiautomator` selector below `context`, in document order. */
export function evaluateUiSelector(source: string, context: SnapshotNode): SnapshotNode[] {
  const scope = descendants(context);
  const out = new Set<SnapshotNode>();
  for (const statement of parseUiSelector(source)) {
    if (statement.kind === 'selector') for (const n of select(statement.selector, scope)) out.add(n);
    else if (select(statement.container, scope).length > 0) for (const n of select(statement.target, scope)) out.add(n);
  }
  return scope.filter((n) => out.has(n));
}
