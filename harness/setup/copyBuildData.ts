// Build step after `tsc -p tsconfig.build.json`: copies the data files the code reads at run time
// beside the compiled modules that read them (tsc emits only JavaScript and .d.ts), so every
// `new URL('./x', import.meta.url)` finds the same file from dist/ as from the sources.
// Run: node --import tsx harness/setup/copyBuildData.ts  (package.json "build").
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { packageInfo } from '../packageInfo.js';

/** Source paths (relative to the package root) copied to the same path under dist/. */
export const BUILD_DATA = [
  'devices.json', // harness/config/devicesFile.ts: the default devices file, two folders up
  'harness/report/run.schema.json', // harness/report/runJson.ts
  'sim/profiles', // sim/profiles/loadProfile.ts: the shipped profiles and profile.schema.json (*.json)
];

export function copyBuildData(root: string, outDir: string): string[] {
  const copied: string[] = [];
  for (const item of BUILD_DATA) {
    const from = path.join(root, item);
    if (!existsSync(from)) throw new Error(`copyBuildData: ${item} is missing (BUILD_DATA in harness/setup/copyBuildData.ts names it)`);
    cpSync(from, path.join(root, outDir, item), {
      recursive: true,
      // Folders: only data, not the .ts modules tsc already compiled.
      filter: (file) => !file.endsWith('.ts') && !file.endsWith('.md'),
    });
    copied.push(item);
  }
  return copied;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { root } = packageInfo();
  if (!existsSync(path.join(root, 'dist'))) throw new Error('copyBuildData: run tsc -p tsconfig.build.json first (no dist/)');
  const copied = copyBuildData(root, 'dist');
  process.stdout.write(`copied ${copied.length} data paths to dist/ (${readdirSync(path.join(root, 'dist')).join(', ')})\n`);
}
