import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where this package lives and what it is called, found the same way from the TypeScript sources
 * (harness/…) and from the build (dist/harness/…): walk up from this module to the package.json
 * that names phonehome.
 */
export interface PackageInfo {
  root: string;
  name: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    const pkg = readJson(file);
    if (pkg?.name === 'phonehome' && typeof pkg.version === 'string') return (cached = { root: dir, name: pkg.name, version: pkg.version });
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`phonehome: no package.json named phonehome above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** True when this module runs from dist/ (compiled JavaScript), false under tsx from the sources. */
export const RUNS_BUILT = !import.meta.url.endsWith('.ts');

function readJson(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
