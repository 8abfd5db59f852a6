import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed devices.json at the repository root. */
export const DEFAULT_DEVICES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../devices.json');

/** --devices FILE, else $PHONEHOME_DEVICES, else the devices.json of this checkout. */
export function resolveDevicesFile(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.PHONEHOME_DEVICES ?? DEFAULT_DEVICES_FILE;
}
