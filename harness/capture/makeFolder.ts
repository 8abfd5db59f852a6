import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync never returns for some paths
 * (e.g. under /proc, where mkdir answers ENOENT forever), and a hung sidecar is worse than an error.
 */
export function makeFolder(dir: string, depth = 0): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
      return;
    }
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 64) throw error;
    makeFolder(parent, depth + 1);
    mkdirSync(dir); // a second ENOENT here (as under /proc) is final
  }
}
