// The `phonehome` command the tests spawn (runs, sims, captures, reports): the compiled one when a
// build is there and newer than every file it is built from, else the sources through tsx.
//
// Why: the suite spawns ~100 phonehome processes and is CPU-bound on 2 cores; through tsx each
// `phonehome run` spends ~1.6 CPU-s more before it does anything (`run --help`: 3.9 → 2.3 CPU-s
// compiled). `npm ci` builds dist/ (package.json "prepare"), so CI gets the compiled command, and
// it is what users of the package run. An edit after the build makes the build stale and the tests
// take the sources again, so no test ever runs old code.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'harness', 'phonehome.js');
const BUILT = path.join(ROOT, 'dist', 'harness', 'bin.js');
/** What `npm run build` reads: tsconfig.build.json's include, BUILD_DATA, and the build's own settings. */
const BUILD_INPUTS = ['harness', 'sim', 'scenarios', 'devices.json', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(entry: string): number {
  const stat = statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a file removed since the build
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function builtIsFresh(): boolean {
  const built = statSync(BUILT, { throwIfNoEntry: false });
  if (!built) return false;
  return BUILD_INPUTS.every((input) => newestMtime(path.join(ROOT, input)) <= built.mtimeMs);
}

/** `dist/harness/bin.js` when fresh, else `harness/phonehome.js` (PHONEHOME_TEST_BIN=sources forces the latter). */
export const PHONEHOME_BIN = process.env.PHONEHOME_TEST_BIN !== 'sources' && builtIsFresh() ? BUILT : SOURCE;
