import { selectDevice, type DevicesFile } from '../config/index.js';
import type { DeviceEntry } from '../config/index.js';
import { PhonehomeError } from '../errors.js';

/**
 * `--device` values: a name, `all`, or `tag:NAME` (every phone carrying that tag); several are
 * combined (comma-separated or repeated) in file order, each phone once. No value: the file's
 * default phone. A tag no phone carries is an error listing the tags there are.
 */
export function selectDevices(file: DevicesFile, specs: readonly string[]): DeviceEntry[] {
  if (specs.length === 0) return [selectDevice(file, undefined)];
  const chosen = new Set<DeviceEntry>();
  for (const spec of specs) {
    if (spec === 'all') {
      if (file.devices.length === 0) throw new PhonehomeError(`${file.file}: lists no devices, so --device all selects nothing; add one (see README "Devices")`);
      file.devices.forEach((d) => chosen.add(d));
    } else if (spec.startsWith('tag:')) {
      const tag = spec.slice(4);
      const tagged = file.devices.filter((d) => d.tags?.includes(tag));
      if (tagged.length === 0) {
        const known = [...new Set(file.devices.flatMap((d) => d.tags ?? []))].sort().join(', ') || '(none)';
        throw new PhonehomeError(`${file.file}: no device has the tag '${tag}' (--device ${spec}); tags in the file: ${known}`);
      }
      tagged.forEach((d) => chosen.add(d));
    } else {
      chosen.add(selectDevice(file, spec));
    }
  }
  return file.devices.filter((d) => chosen.has(d));
}

/**
 * Which phones may stand in for each other: the same tags (a farm labels identical phones alike).
 * An untagged phone matches only itself. The pool also requires the same model and app version
 * before it retries a test elsewhere (see devicePool.ts), so tags alone never mix different phones.
 */
export function matchKey(entry: DeviceEntry): string {
  const tags = [...new Set(entry.tags ?? [])].sort();
  return tags.length > 0 ? `tags:${tags.join(',')}` : `device:${entry.name}`;
}
