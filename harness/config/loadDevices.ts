import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { PhonehomeError } from '../errors.js';
import type { DeviceEntry } from './deviceEntry.js';
import { devicesSchema } from './devicesSchema.js';

/** devices.json larger than this is refused before parsing (hostile or wrong file). */
export const MAX_DEVICES_FILE_BYTES = 1024 * 1024;

export interface DevicesFile {
  /** Absolute path the entries were read from (launch.cwd is relative to its folder). */
  file: string;
  devices: DeviceEntry[];
  /** Name of the default phone: the file's `default`, else the first entry. */
  defaultDevice?: string;
}

const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(devicesSchema);

/** Reads and validates devices.json; every error names the file, the entry and the field. */
export async function loadDevices(file: string): Promise<DevicesFile> {
  const absolute = path.resolve(file);
  let size: number;
  try {
    const s = await stat(absolute);
    if (!s.isFile()) throw new PhonehomeError(`${file}: is not a file (pass a devices.json, see README "Devices")`);
    size = s.size;
  } catch (error) {
    if (error instanceof PhonehomeError) throw error;
    throw new PhonehomeError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); create it or pass --devices FILE (see README "Devices")`);
  }
  if (size > MAX_DEVICES_FILE_BYTES) {
    throw new PhonehomeError(`${file}: ${size} bytes is too large for a devices file (limit ${MAX_DEVICES_FILE_BYTES})`);
  }
  const parsed = parseDevices(await readFile(absolute, 'utf8'), absolute, file);
  await checkAppFiles(parsed, file);
  return parsed;
}

/** Every APK named in `apps` must be a readable file, relative to the devices.json folder. */
async function checkAppFiles(devices: DevicesFile, shownAs: string): Promise<void> {
  const base = path.dirname(devices.file);
  for (const [index, entry] of devices.devices.entries()) {
    for (const [browser, value] of Object.entries(entry.apps ?? {})) {
      for (const apk of Array.isArray(value) ? value : [value]) {
        const where = `${shownAs}: device '${entry.name}' (entry ${index + 1}): field 'apps.${browser}'`;
        const ok = await stat(path.resolve(base, apk)).then((s) => s.isFile(), () => false);
        if (!ok) throw new PhonehomeError(`${where}: ${apk} is not a file (paths are relative to the devices.json folder); fix the path or download the APK there`);
      }
    }
  }
}

/** Validates devices.json text; `shownAs` is the name used in messages (defaults to `file`). */
export function parseDevices(text: string, file: string, shownAs: string = file): DevicesFile {
  if (text.length > MAX_DEVICES_FILE_BYTES) throw new PhonehomeError(`${shownAs}: too large for a devices file (limit ${MAX_DEVICES_FILE_BYTES} bytes)`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PhonehomeError(`${shownAs}: not valid JSON (${(error as Error).message})`);
  }
  if (!validate(data)) throw new PhonehomeError(describeSchemaError(shownAs, data, validate.errors?.[0]));
  const doc = data as { default?: string; devices: DeviceEntry[] };
  const names = new Map<string, number>();
  const ports = new Map<number, string>();
  doc.devices.forEach((entry, index) => {
    const where = `${shownAs}: device '${entry.name}' (entry ${index + 1})`;
    const earlier = names.get(entry.name);
    if (earlier !== undefined) throw new PhonehomeError(`${where}: field 'name' repeats entry ${earlier + 1}; names must be unique`);
    names.set(entry.name, index);
    if (entry.systemPort !== undefined) {
      const other = ports.get(entry.systemPort);
      if (other) throw new PhonehomeError(`${where}: field 'systemPort' ${entry.systemPort} is also used by '${other}'; each phone needs its own`);
      ports.set(entry.systemPort, entry.name);
    }
    if (entry.appiumUrl !== undefined) {
      try {
        new URL(entry.appiumUrl);
      } catch {
        throw new PhonehomeError(`${where}: field 'appiumUrl' is not a URL ('${entry.appiumUrl}'); write it like http://127.0.0.1:4723`);
      }
    }
    const portArg = (entry.launch?.args ?? []).some((a) => a.includes(LAUNCH_PORT_PLACEHOLDER));
    if (entry.serial === AUTO_SERIAL) {
      if (!entry.launch || !portArg) {
        throw new PhonehomeError(`${where}: field 'serial' is "auto", which needs a launch command with a ${LAUNCH_PORT_PLACEHOLDER} argument to pass the allocated port to (e.g. "args": ["sim", "--profile", "redmi-note-8-2020", "--port", "${LAUNCH_PORT_PLACEHOLDER}"]); or give the host:port the phone answers on`);
      }
    } else if (portArg) {
      throw new PhonehomeError(`${where}: field 'launch.args' holds ${LAUNCH_PORT_PLACEHOLDER}, which only a "serial": "auto" entry fills in; set "serial" to "auto" or write the port`);
    } else if (entry.launch && !isConnectAddress(entry.serial) && !/^emulator-\d+$/.test(entry.serial)) {
      throw new PhonehomeError(`${where}: field 'serial' must be the host:port (or emulator-NNNN) the launched phone answers on, got '${entry.serial}'`);
    }
  });
  if (doc.default !== undefined && !names.has(doc.default)) {
    throw new PhonehomeError(`${shownAs}: field 'default' names '${doc.default}', which is not a device in this file`);
  }
  return { file, devices: doc.devices, defaultDevice: doc.default ?? doc.devices[0]?.name };
}

/** Picks a phone by name (or the default); the error lists the names there are. */
export function selectDevice(devices: DevicesFile, name: string | undefined): DeviceEntry {
  const wanted = name ?? devices.defaultDevice;
  const entry = devices.devices.find((d) => d.name === wanted);
  if (!entry) {
    const known = devices.devices.map((d) => d.name).join(', ') || '(none)';
    throw new PhonehomeError(wanted === undefined
      ? `${devices.file}: lists no devices; add one (see README "Devices")`
      : `${devices.file}: no device named '${wanted}' (devices: ${known})`);
  }
  return entry;
}

/**
 * `"serial": "auto"` on a launched phone: the run allocates a free port on 127.0.0.1 when it starts
 * the phone and puts it wherever the launch args say `{port}` (so two runs on one machine never
 * collide). Real and fixed set-ups keep writing their host:port.
 */
export const AUTO_SERIAL = 'auto';
export const LAUNCH_PORT_PLACEHOLDER = '{port}';

/** host:port addresses are reached with `adb connect`; anything else is a USB or emulator serial. */
export function isConnectAddress(serial: string): boolean {
  return /^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(serial);
}

function describeSchemaError(file: string, data: unknown, error: ErrorObject | undefined): string {
  if (!error) return `${file}: does not match the devices schema`;
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let where = file;
  let fieldParts = parts;
  if (parts[0] === 'devices' && parts.length >= 2) {
    const index = Number(parts[1]);
    const entry = (data as { devices: Array<{ name?: unknown }> }).devices[index];
    const name = entry && typeof entry === 'object' && typeof entry.name === 'string' ? `'${entry.name}' ` : '';
    where = `${file}: device ${name}(entry ${index + 1})`;
    fieldParts = parts.slice(2);
  } else {
    where = `${file}:`;
  }
  if (fieldParts[0] === 'apps' && fieldParts.length >= 2) {
    return `${where}${where.endsWith(':') ? ' ' : ': '}field 'apps.${fieldParts[1]}' must be an APK path ending in .apk, or a list of them (base APK first, then its splits)`;
  }
  const params = error.params as Record<string, unknown>;
  const field = (extra?: string) => {
    const all = extra === undefined ? fieldParts : [...fieldParts, extra];
    return all.length > 0 ? `field '${all.join('.')}'` : 'the entry';
  };
  const sep = where.endsWith(':') ? ' ' : ': ';
  switch (error.keyword) {
    case 'required':
      return `${where}${sep}${field(String(params.missingProperty))} is missing`;
    case 'additionalProperties':
      return `${where}${sep}${field(String(params.additionalProperty))} is not a known field (check its spelling against README "Devices")`;
    case 'type':
      return `${where}${sep}${field()} must be ${articled(String(params.type))}`;
    case 'pattern':
      return `${where}${sep}${field()} ${hintFor(fieldParts)}`;
    default:
      return `${where}${sep}${field()} ${error.message ?? 'is invalid'}`;
  }
}

function articled(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function hintFor(fieldParts: string[]): string {
  const last = fieldParts[0];
  switch (last) {
    case 'name': return 'must be letters, digits, dot, dash or underscore (at most 64), starting with a letter or digit';
    case 'serial': return 'must be an adb serial or host:port without spaces';
    case 'appiumUrl': return 'must start with http:// or https://';
    case 'locators': return "must be a locator such as 'id:com.mi.globalbrowser:id/url', 'desc:Go', 'text:Agree', 'xpath:…' or 'uiautomator:…'";
    case 'packages': return 'must be an Android package name such as com.mi.globalbrowser';
    case 'proxyHost': return 'must be a host name or IPv4 address without port';
    default: return 'has the wrong format';
  }
}
