import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ProfileError } from '../profileError.js';
import { checkTelemetryRules } from '../apps/telemetry/index.js';
import type { Profile } from '../profile.js';

/** The folder of shipped profiles (this module's own). */
export const profilesDir = path.dirname(fileURLToPath(import.meta.url));
const schemaPath = path.join(profilesDir, 'profile.schema.json');
const MAX_PROFILE_BYTES = 1024 * 1024;

/** Packages the simulated phone itself provides; a profile may not redefine them. */
export const reservedPackages = ['io.appium.uiautomator2.server', 'io.appium.uiautomator2.server.test', 'io.appium.settings', 'com.miui.home', 'com.android.settings', 'com.android.systemui'];

/** Names of the shipped profiles (sim/profiles/*.json). */
export function listProfiles(): string[] {
  return fs.readdirSync(profilesDir).filter((f) => f.endsWith('.json') && f !== 'profile.schema.json').map((f) => f.slice(0, -5)).sort();
}

/**
 * Loads a profile by shipped name (`redmi-note-8-2020`) or by path to a .json file, validates it
 * against profile.schema.json and the checks a schema cannot express, and throws a one-line
 * ProfileError naming the file and the field on any problem.
 */
export function loadProfile(nameOrPath: string): Profile {
  const file = resolveProfileFile(nameOrPath);
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_PROFILE_BYTES) throw new ProfileError(`${file}: profile is ${size} bytes, over the ${MAX_PROFILE_BYTES}-byte limit (is this the right file?)`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ProfileError) throw error;
    throw new ProfileError(`${file}: cannot read profile: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`${file}: not valid JSON: ${jsonErrorWhere(text, error as Error)} (fix the syntax)`);
  }
  return validateProfile(data, file);
}

/** Validates already-parsed profile data; `source` names it in errors. */
export function validateProfile(data: unknown, source: string): Profile {
  const validate = schemaValidator();
  if (!validate(data)) {
    throw new ProfileError(`${source}: ${describeSchemaError(validate.errors ?? [])}`);
  }
  const profile = data as Profile;
  const problems: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, number>();
  profile.apps.forEach((app, i) => {
    const at = `/apps/${i}`;
    if (reservedPackages.includes(app.package)) problems.push({ path: `${at}/package`, message: `'${app.package}' is provided by the simulated phone itself: use another package name` });
    const previous = seen.get(app.package);
    if (previous !== undefined) problems.push({ path: `${at}/package`, message: `duplicate package '${app.package}' (also /apps/${previous}): one phone cannot install a package twice` });
    seen.set(app.package, i);
    if ((app.kind ?? 'browser') === 'service' && (app.firstRunDialogs?.length || app.incognitoDataSwitch || app.searchUrl)) {
      problems.push({ path: at, message: 'a service app has no UI: remove firstRunDialogs, incognitoDataSwitch and searchUrl, or make it kind: browser' });
    }
    problems.push(...checkTelemetryRules(app, profile.device, at));
  });
  const screens = profile.systemUi?.homeScreens ?? 2;
  profile.systemUi?.folders?.forEach((folder, i) => {
    if (folder.screen > screens) problems.push({ path: `/systemUi/folders/${i}/screen`, message: `screen ${folder.screen} does not exist: the launcher has ${screens} home screen(s) (systemUi.homeScreens)` });
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new ProfileError(`${source}: ${first.path}: ${first.message}${more}`);
  }
  return profile;
}

function resolveProfileFile(nameOrPath: string): string {
  if (nameOrPath.trim() === '') throw new ProfileError(`profile name is empty: pass one of ${listProfiles().join(', ')} or a path to a .json file`);
  const looksLikePath = /[\\/]/.test(nameOrPath) || nameOrPath.endsWith('.json');
  if (looksLikePath) {
    const file = path.resolve(nameOrPath);
    if (!fs.existsSync(file)) throw new ProfileError(`profile file ${file} does not exist (pass a shipped profile name or an existing .json file)`);
    return file;
  }
  const file = path.join(profilesDir, `${nameOrPath}.json`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath) || !fs.existsSync(file)) {
    throw new ProfileError(`unknown profile '${nameOrPath}' (shipped: ${listProfiles().join(', ')}; or pass a path to a .json file)`);
  }
  return file;
}

let compiled: ValidateFunction | null = null;

function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  // ajv is CommonJS: under NodeNext its default export arrives as the module namespace.
  const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (options: object) => { compile(schema: object): ValidateFunction };
  const ajv = new Ajv({ allErrors: true, strict: false });
  compiled = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as object);
  return compiled;
}

/** The most specific schema error, phrased with the field and how to fix it. */
function describeSchemaError(errors: ErrorObject[]): string {
  // oneOf failures report every branch; the deepest non-combinator error is the useful one.
  const ranked = [...errors].sort((a, b) => score(b) - score(a));
  const e = ranked[0];
  if (!e) return 'does not match profile.schema.json';
  const where = e.instancePath || '(top level)';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties':
      return `${where}/${String(p.additionalProperty)}: unknown field '${String(p.additionalProperty)}' (remove it or check its spelling; see sim/profiles/profile.schema.json)`;
    case 'required':
      return `${where}: missing required field '${String(p.missingProperty)}'`;
    case 'enum':
      return `${where}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `${where}: value does not have the expected form (pattern ${String(p.pattern)})`;
    case 'type':
      return `${where}: must be of type ${String(p.type)}`;
    case 'false schema':
      return `${where}: not allowed here (see sim/profiles/profile.schema.json for what this placement takes)`;
    default:
      return `${where}: ${e.message ?? 'is invalid'}`;
  }
}

function score(e: ErrorObject): number {
  const depth = e.instancePath.split('/').length * 10;
  const combinator = e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if' ? -5 : 0;
  // Inside a oneOf over placements, a wrong `in` is less telling than a missing field of the right branch.
  const weak = e.keyword === 'const' ? -3 : 0;
  return depth + combinator + weak;
}

function jsonErrorWhere(text: string, error: Error): string {
  const m = /position (\d+)/.exec(error.message);
  if (!m) return error.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${error.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line} column ${column}`;
}
