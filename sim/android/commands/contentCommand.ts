import type { Row } from '../contactsProvider.js';
import { SETTINGS_NAMESPACES, type SettingsNamespace } from '../settingsStore.js';
import type { Ctx, Handler } from './context.js';

const USAGE = `usage: adb shell content [subcommand] [options]

usage: adb shell content insert --uri <URI> [--user <USER_ID>] --bind <BINDING> [--bind <BINDING>...]
  <BINDING>: <COLUMN_NAME>:<TYPE>:<COLUMN_VALUE> where <TYPE> is one of b, s, i, l, f, d, n.

usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]

usage: adb shell content delete --uri <URI> [--user <USER_ID>] --where <WHERE>
`;

function parseBinding(text: string): [string, string | number | null] | null {
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  if (first <= 0 || second < 0) return null;
  const name = text.slice(0, first);
  const type = text.slice(first + 1, second);
  const value = text.slice(second + 1);
  switch (type) {
    case 's': return [name, value];
    case 'i': case 'l': case 'f': case 'd': return [name, Number(value)];
    case 'b': return [name, value === 'true' ? 1 : 0];
    case 'n': return [name, null];
    default: return null;
  }
}

/** `--where` as the content tool's callers use it: `col=value` / `col='value'` joined by AND. */
function whereMatcher(where: string | undefined): ((row: Row) => boolean) | string {
  if (!where) return () => true;
  const clauses = where.split(/\s+AND\s+/i).map((clause) => /^\s*(\w+)\s*(=|!=|LIKE)\s*'?(.*?)'?\s*$/i.exec(clause));
  if (clauses.some((c) => !c)) return `Error while accessing provider: unsupported where clause: ${where}`;
  return (row) =>
    clauses.every((c) => {
      const [, column, op, value] = c!;
      const actual = row[column!] === null || row[column!] === undefined ? null : String(row[column!]);
      if (op!.toUpperCase() === 'LIKE') return actual !== null && new RegExp('^' + value!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*') + '$', 'i').test(actual);
      return op === '=' ? actual === value : actual !== value;
    });
}

function parseUri(uri: string): { authority: string; path: string } | null {
  const m = /^content:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { authority: m[1]!, path: m[2]!.replace(/\/$/, '') } : null;
}

async function printRows(ctx: Ctx, rows: Row[], projection: string[] | null): Promise<void> {
  if (rows.length === 0) {
    await ctx.out('No result found.\n');
    return;
  }
  await ctx.out(rows.map((row, i) => {
    const columns = projection ?? Object.keys(row);
    return `Row: ${i} ${columns.map((c) => `${c}=${row[c] === null || row[c] === undefined ? 'NULL' : row[c]}`).join(', ')}\n`;
  }).join(''));
}

export const content: Handler = async (ctx) => {
  const [verb, ...rest] = ctx.args;
  let uri = '';
  let where: string | undefined;
  let projection: string[] | null = null;
  const bindings: Row = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = rest[i + 1];
    if (a === '--uri') uri = rest[++i] ?? '';
    else if (a === '--where') where = rest[++i];
    else if (a === '--projection') projection = (rest[++i] ?? '').split(':').filter(Boolean);
    else if (a === '--sort' || a === '--user' || a === '--arg' || a === '--method' || a === '--extra') i++;
    else if (a === '--bind') {
      const binding = value ? parseBinding(value) : null;
      i++;
      if (!binding) {
        await ctx.err(`Error: Invalid binding: ${value ?? ''}\n${USAGE}`);
        return 1;
      }
      bindings[binding[0]] = binding[1];
    }
  }
  const parsed = parseUri(uri);
  if (!verb || !parsed || !['insert', 'query', 'delete', 'update'].includes(verb)) {
    await ctx.err(USAGE);
    return 1;
  }
  const matcher = whereMatcher(where);
  if (typeof matcher === 'string') {
    await ctx.err(matcher + '\n');
    return 1;
  }
  const { authority, path } = parsed;

  if (authority === 'settings' && SETTINGS_NAMESPACES.includes(path.split('/')[0] as SettingsNamespace)) {
    const [ns, key] = path.split('/') as [SettingsNamespace, string | undefined];
    const store = ctx.device.settings;
    if (verb === 'insert' || verb === 'update') {
      const name = String(bindings.name ?? key ?? '');
      if (!name) {
        await ctx.err('Error: --bind name:s:NAME is required\n');
        return 1;
      }
      store.put(ns, name, String(bindings.value ?? ''));
      return 0;
    }
    const rows: Row[] = store.list(ns).map(([name, value], i) => ({ _id: i + 1, name, value })).filter((r) => (key ? r.name === key : true)).filter(matcher);
    if (verb === 'delete') {
      for (const r of rows) store.delete(ns, String(r.name));
      return 0;
    }
    await printRows(ctx, rows, projection);
    return 0;
  }

  if (authority === 'com.android.contacts' || authority === 'contacts') {
    const table = path === 'people' ? 'raw_contacts' : path;
    const contacts = ctx.device.contacts;
    if (verb === 'insert') {
      const result = contacts.insert(table, bindings);
      if ('error' in result) {
        await ctx.err(`Error while accessing provider:com.android.contacts\n${result.error}\n`);
        return 1;
      }
      return 0;
    }
    if (verb === 'delete') {
      contacts.delete(table, matcher);
      return 0;
    }
    const rows = contacts.query(table);
    if (!rows) {
      await ctx.err(`Error while accessing provider:com.android.contacts\njava.lang.IllegalArgumentException: Unknown URL ${uri}\n`);
      return 1;
    }
    await printRows(ctx, rows.filter(matcher), projection);
    return 0;
  }

  if (authority === 'sms' && verb === 'query') {
    const rows = ctx.device.sms.query(path);
    if (!rows) {
      await ctx.err(`Error while accessing provider:sms\njava.lang.IllegalArgumentException: Unknown URL ${uri}\n`);
      return 1;
    }
    await printRows(ctx, rows.filter(matcher), projection);
    return 0;
  }

  await ctx.err(`Error while accessing provider:${authority}\njava.lang.IllegalArgumentException: Unknown authority ${authority}\n`);
  return 1;
};

export const contentCommands: Record<string, Handler> = { content };
