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

export function defineSuite(meta: SuiteMeta, body: (ctx: ScenarioContext) => void): SuiteDefinition {
  return { ...meta, kind: SUITE_KIND, body };
}

export function isSuiteDefinition(value: unknown): value is SuiteDefinition {
  const v = value as Partial<SuiteDefinition> | null;
  return typeof v === 'object' && v !== null && v.kind === SUITE_KIND && typeof v.body === 'function' && typeof v.name === 'string';
}
