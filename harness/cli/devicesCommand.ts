import type { Command } from './command.js';
import { parseCommandArgs, parsePort } from './command.js';
import { loadDevices, resolveDevicesFile } from '../config/index.js';
import { BROWSER_PROFILES, describeLocatorStatus, locatorStatus, profilePackages, type LocatorStatus } from '../drive/browsers/index.js';
import { AdbClient, type AdbState } from '../device/adbClient.js';
import { readHealth, type DeviceHealth } from '../device/health.js';
import { preflightState, runPreflight, type Preflight } from '../device/preflight.js';
import { describeState, probeState } from '../device/reachDevice.js';
import type { DeviceEntry } from '../config/index.js';

export interface DeviceRow {
  name: string;
  serial: string;
  state: AdbState | 'error';
  detail?: string;
  health?: DeviceHealth;
  /** Browser profile name → installed version. */
  browsers?: Record<string, string>;
  /** Browser profile name → whether its locators are backed by evidence for the installed version. */
  locators?: Record<string, LocatorStatus>;
  /** What a run needs from the phone's shell, probed without changing anything. */
  preflight?: Preflight;
  /** 'ready', or each blocker with its fix (the phone's state for a run). */
  ready?: string;
}

/** State and health of every phone in devices.json (in parallel; each probe bounded by adb timeouts). */
export async function listDeviceRows(entries: DeviceEntry[], client: AdbClient): Promise<DeviceRow[]> {
  return Promise.all(entries.map(async (entry): Promise<DeviceRow> => {
    const row: DeviceRow = { name: entry.name, serial: entry.serial, state: 'absent' };
    let connectedByUs = false;
    try {
      const probe = await probeState(client, entry);
      connectedByUs = probe.connectedByUs;
      row.state = probe.state;
      if (probe.state !== 'device' && probe.state !== 'emulator') {
        row.detail = describeState(probe.state, entry);
        return row;
      }
      const device = client.device(entry.serial, entry.adbTimeoutMs);
      const packages = BROWSER_PROFILES.flatMap((p) => profilePackages(p, entry.packages));
      row.preflight = await runPreflight(device, { name: entry.name });
      // The user on screen (MIUI Second space is user 10): its apps and its user CA folder.
      row.health = await readHealth(device, { packages, ...(row.preflight.user !== null ? { user: row.preflight.user } : {}) });
      row.ready = preflightState(row.preflight);
      row.browsers = {};
      for (const profile of BROWSER_PROFILES) {
        const app = row.health.apps.find((a) => profilePackages(profile, entry.packages).includes(a.package));
        if (!app) continue;
        row.browsers[profile.name] = app.version;
        (row.locators ??= {})[profile.name] = locatorStatus(profile, app.package, app.version);
      }
    } catch (error) {
      row.state = 'error';
      row.detail = (error as Error).message;
    } finally {
      // Leave adb as found: a phone connected only to look at it is disconnected again.
      if (connectedByUs) await client.disconnect(entry.serial);
    }
    return row;
  }));
}

function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)}G` : `${Math.round(bytes / 1024 ** 2)}M`;
}

export function formatTable(rows: DeviceRow[]): string[] {
  const header = ['NAME', 'SERIAL', 'STATE', 'MODEL', 'ANDROID', 'MIUI', 'ROOT', 'BOOTED', 'SCREEN', 'BATTERY', 'FREE', 'BROWSERS', 'PROXY', 'CA', 'READY'];
  const cells = (r: DeviceRow): string[] | undefined => {
    const h = r.health;
    if (!h) return undefined;
    return [
      r.name, r.serial, r.state, h.model ?? '?', h.release ? `${h.release} (API ${h.sdk ?? '?'})` : '?', h.miuiVersion ?? '-',
      h.root.method, h.bootCompleted ? 'yes' : 'no', h.screenOn === undefined ? '?' : h.screenOn ? 'on' : 'off',
      h.battery ? `${h.battery.level}%${h.battery.charging ? '+' : ''}` : '?', formatBytes(h.freeStorageBytes),
      Object.entries(r.browsers ?? {}).map(([b, v]) => `${b} ${v}${r.locators?.[b] ? ` (${describeLocatorStatus(r.locators[b]!, v)})` : ''}`).join(', ') || '-',
      h.httpProxy ?? '-',
      [h.ca.systemStoreOverlaid ? 'system-overlay' : '', h.ca.userCertificates ? `user:${h.ca.userCertificates}` : ''].filter(Boolean).join(' ') || '-',
      r.ready ?? '?',
    ];
  };
  const full = rows.map(cells);
  // Phones that could not be read show their name, serial and state, then why, on one line.
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((r, j) => (full[j] ?? [r.name, r.serial, r.state])[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map((r, j) => full[j] ? line(full[j]!) : line([r.name, r.serial, r.state, r.detail ?? '']))];
}

export const devicesCommand: Command = {
  name: 'devices',
  summary: 'list the phones in devices.json: state, model, Android, root, battery, browsers, proxy, CA',
  help: [
    'Usage: phonehome devices [--devices FILE] [--json] [--adb-port PORT]',
    '',
    'Shows each phone of devices.json as adb sees it: state, model, Android release and API level,',
    'MIUI version, root access, boot completed, screen, battery, free storage, installed browser',
    'versions (each with how many of its locators are evidence-backed for that version, from the',
    'tables in harness/drive/browsers/locators/; --json lists which), the global HTTP proxy setting',
    'and CA state, and READY: whether a run can use the phone',
    '(settings writes, input injection, Appium APKs, probed without changing anything) or each blocker',
    'with its fix. Phones given as host:port are reached with',
    '`adb connect` (and disconnected again); phones with a launch command are not started.',
    '',
    'Options:',
    '  --devices FILE   devices file (default: $PHONEHOME_DEVICES, else devices.json of this checkout)',
    '  --json           print JSON instead of a table',
    '  --adb-port PORT  adb server port (default: $ANDROID_ADB_SERVER_PORT, else 5037)',
    '',
    'Exit code 0 when the list was made (whatever state the phones are in), 2 on a bad devices file.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('devices', argv, {
      devices: { type: 'string' },
      json: { type: 'boolean' },
      'adb-port': { type: 'string' },
    });
    const file = await loadDevices(resolveDevicesFile(values.devices));
    const port = values['adb-port'] === undefined ? undefined : parsePort('devices', 'adb-port', values['adb-port'], 5037);
    const client = new AdbClient({ port });
    const rows = await listDeviceRows(file.devices, client);
    if (values.json) io.out(JSON.stringify(rows, null, 2));
    else for (const line of formatTable(rows)) io.out(line);
    return 0;
  },
};
