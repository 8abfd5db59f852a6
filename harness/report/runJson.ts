import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { PhonehomeError } from '../errors.js';
import type { RunRecord } from './types.js';

/** The JSON Schema of run.json, shipped beside this file for other tools to validate against. */
export const RUN_SCHEMA_FILE = new URL('./run.schema.json', import.meta.url);
export const runSchema: Record<string, unknown> = JSON.parse(readFileSync(RUN_SCHEMA_FILE, 'utf8'));

const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(runSchema);

/** Errors (empty when valid) in ajv's instancePath form, one line each. */
export function runRecordErrors(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** run.json text; refuses to write a record its own schema rejects (a bug, not a user error). */
export function renderRunJson(run: RunRecord): string {
  const errors = runRecordErrors(run);
  if (errors.length > 0) throw new PhonehomeError(`internal: run record for ${run.runId} does not match run.schema.json: ${errors[0]}`);
  return JSON.stringify(run, null, 2) + '\n';
}
