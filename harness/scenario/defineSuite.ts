import type { ScenarioContext } from './api.js';

/**
 * A suite file in scenarios/ is a mocha file whose default export is defineSuite(...). The body
 * runs inside mocha's `describe(name)` once the run's phones are ready, so it can shape its tests
 * around them (one describe per phone, browser and mode), with mocha's describe/it/before/after.
 */
export interface SuiteMeta {
  /** Suite name (`phonehome run <name>`), equal to the file name without .ts. */
  name: string;
  /** One sentence: what the suite shows. */
  description: string;
}

export interface SuiteDefinition extends SuiteMeta {
  readonly kind: typeof SUITE_KIND;
  body(ctx: ScenarioContext): void;
}

const SUITE_KIND = 'phonehome-suite@1' as const;

/**
 * What a suite file does when it is loaded: nothing but return its definition (phonehome run loads
 * the file, then declares its tests per phone), unless a runner registered itself to declare suites
 * as their files load — the stock mocha CLI under `--require phonehome/mocha`, whose phones are
 * rigged before mocha loads the spec files. A global symbol, not a module variable: the plugin and
 * a suite may reach this module by two paths (dist/ and the sources under tsx).
 */
const DECLARER = Symbol.for('phonehome.suiteDeclarer');
export type SuiteDeclarer = (definition: SuiteDefinition) => void;

/** Registers (or with undefined removes) the runner that declares each suite as its file loads. */
export function declareSuitesWith(declarer: SuiteDeclarer | undefined): void {
  (globalThis as Record<symbol, unknown>)[DECLARER] = declarer;
}

export function defineSuite(meta: SuiteMeta, body: (ctx: ScenarioContext) => void): SuiteDefinition {
  const definition: SuiteDefinition = { ...meta, kind: SUITE_KIND, body };
  const declarer = (globalThis as Record<symbol, unknown>)[DECLARER] as SuiteDeclarer | undefined;
  declarer?.(definition);
  return definition;
}

export function isSuiteDefinition(value: unknown): value is SuiteDefinition {
  const v = value as Partial<SuiteDefinition> | null;
  return typeof v === 'object' && v !== null && v.kind === SUITE_KIND && typeof v.body === 'function' && typeof v.name === 'string';
}
