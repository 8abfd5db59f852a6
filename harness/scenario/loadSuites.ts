import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PhonehomeError } from '../errors.js';
import { isSuiteDefinition, type SuiteDefinition } from './defineSuite.js';

/**
 * The suites the package ships: scenarios/*.ts beside the sources, compiled to dist/scenarios/*.js
 * in the build (tsconfig.build.json), so an installed `phonehome run forbes-2020` finds them.
 */
export const SCENARIOS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scenarios');
/** How a shipped suite's file ends: .ts under tsx from the sources, .js from dist/. */
const SUITE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export interface LoadedSuite {
  definition: SuiteDefinition;
  /** Absolute path of the suite file. */
  file: string;
}

/** Suite names in a scenarios folder (its .ts files; from dist/, its compiled .js files). */
export async function listSuites(dir: string = SCENARIOS_DIR, ext: string = SUITE_EXT): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts')).map((f) => f.slice(0, -ext.length)).sort();
}

/**
 * `forbes-2020` names scenarios/forbes-2020.ts; anything with a slash or ending in .ts is a path
 * (relative to cwd). Unknown names list the suites there are.
 */
export async function resolveSuiteFile(arg: string, dir: string = SCENARIOS_DIR, cwd: string = process.cwd()): Promise<string> {
  const isPath = arg.includes('/') || arg.includes(path.sep) || /\.m?[jt]s$/.test(arg);
  const file = isPath ? path.resolve(cwd, arg) : path.join(dir, `${arg}${dir === SCENARIOS_DIR ? SUITE_EXT : '.ts'}`);
  const s = await stat(file).catch(() => undefined);
  if (s?.isFile()) return file;
  if (isPath) throw new PhonehomeError(`suite file ${arg} does not exist (pass a .ts file written with defineSuite, or a suite name)`);
  const known = await listSuites(dir);
  throw new PhonehomeError(`unknown suite '${arg}' (suites in ${path.relative(cwd, dir) || dir}: ${known.join(', ') || 'none'})`);
}

/**
 * Imports a suite file and checks that it is one. Any problem (syntax error, throwing at import,
 * no defineSuite export) is a one-line PhonehomeError naming the file and the fix.
 */
export async function loadSuite(file: string, cwd: string = process.cwd()): Promise<LoadedSuite> {
  const shown = path.relative(cwd, file) || file;
  let mod: { default?: unknown };
  try {
    if (/\.m?ts$/.test(file)) await loadTypeScript();
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_CYCLE_MODULE' || /Cannot require\(\) ES Module .* in a cycle/.test(String(error))) {
      throw new PhonehomeError(`suite ${shown} cannot be loaded: it is not an ES module (name it .mts, or keep it in a folder whose package.json says "type": "module", as scenarios/ does)`);
    }
    throw new PhonehomeError(`suite ${shown} cannot be loaded: ${oneLine(error)} (fix the file; a suite is \`export default defineSuite({ name, description }, (ctx) => { describe(…) })\`)`);
  }
  if (!isSuiteDefinition(mod.default)) {
    throw new PhonehomeError(`suite ${shown} is malformed: its default export is not a suite (write \`export default defineSuite({ name, description }, (ctx) => { … })\` with defineSuite from harness/scenario)`);
  }
  const base = path.basename(file);
  const expected = base.replace(/\.m?[jt]s$/, '');
  if (mod.default.name !== expected) {
    throw new PhonehomeError(`suite ${shown} is malformed: it names itself '${mod.default.name}' but its file is ${base} (make them equal)`);
  }
  return { definition: mod.default, file };
}

let typescript: Promise<unknown> | undefined;

/**
 * A user's suite is TypeScript; the installed bin runs compiled JavaScript (no tsx loader), so tsx
 * (a dependency of phonehome) is registered once, when the first .ts suite loads. Under tsx already
 * (a clone), registering again is harmless.
 */
function loadTypeScript(): Promise<unknown> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  return (typescript ??= import('tsx/esm/api').then((tsx) => tsx.register()));
}

/** An error as one readable line: esbuild/tsx syntax errors span several lines. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // tsx: "Transform failed with 1 error:\n/path/x.ts:3:5: ERROR: Expected ...": keep the located line.
  const located = lines.find((l) => /:\d+:\d+: ERROR:/.test(l)) ?? lines.find((l) => /ERROR/.test(l));
  const picked = located ?? lines[0] ?? 'unknown error';
  const name = error instanceof Error && error.name !== 'Error' && !picked.startsWith(error.name) ? `${error.name}: ` : '';
  const line = name + picked;
  return line.length > 400 ? line.slice(0, 397) + '...' : line;
}
