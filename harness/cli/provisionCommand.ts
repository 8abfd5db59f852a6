import { readFile } from 'node:fs/promises';
import { loadOrCreateCa } from '../capture/index.js';
import type { Command } from './command.js';
import { parseCommandArgs, parsePort } from './command.js';
import { loadDevices, resolveDevicesFile, selectDevice } from '../config/index.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { AdbClient } from '../device/adbClient.js';
import { provisionPhone, undoProvisioningOnPhone } from '../device/provision/provisioner.js';
import { reachDevice } from '../device/reachDevice.js';

export const provisionCommand: Command = {
  name: 'provision',
  summary: 'point a phone at a capture sidecar and trust its CA (or --undo it)',
  help: [
    'Usage: phonehome provision <device> --port PORT [--ca FILE] [--ca-store auto|system|user]',
    '       phonehome provision <device> --undo',
    '',
    "Sets the phone's global HTTP proxy to the capture sidecar on this machine (through `adb reverse`,",
    'or devices.json "proxyHost" for phones that cannot use it) and installs the capture CA: into the',
    'system store on a phone that can be rooted (tmpfs over the cacerts folder; Android 14+: also the',
    'Conscrypt APEX store), otherwise into the user store, which apps targeting Android 7+ ignore.',
    'What was changed is recorded on the phone (/data/local/tmp/phonehome-provision.json), so',
    '--undo restores the proxy setting and CA stores as they were found, from any process.',
    'Runs (phonehome run) do this themselves at the start and undo it at the end, also on Ctrl-C.',
    '',
    'Options:',
    '  --port PORT        port of the capture sidecar on this machine (phonehome capture prints it)',
    '  --ca FILE          CA certificate (PEM) of the sidecar (default: the phonehome CA)',
    '  --ca-store STORE   auto (default), system or user',
    '  --undo             undo an earlier provisioning of this phone',
    '  --devices FILE     devices file (default: $PHONEHOME_DEVICES, else devices.json of this checkout)',
    '  --adb-port PORT    adb server port (default: $ANDROID_ADB_SERVER_PORT, else 5037)',
    '',
    'Exit code 0 when done, 2 when a step failed (the message names it; what was done is undone).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('provision', argv, {
      port: { type: 'string' },
      ca: { type: 'string' },
      'ca-store': { type: 'string' },
      undo: { type: 'boolean' },
      devices: { type: 'string' },
      'adb-port': { type: 'string' },
    }, { allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError("phonehome provision: name one device (see 'phonehome provision --help')");
    const file = await loadDevices(resolveDevicesFile(values.devices));
    const entry = selectDevice(file, positionals[0]);
    const adbPort = values['adb-port'] === undefined ? undefined : parsePort('provision', 'adb-port', values['adb-port'], 5037);
    const client = new AdbClient({ port: adbPort });
    const { device } = await reachDevice(client, entry);
    if (values.undo) {
      const result = await undoProvisioningOnPhone(device);
      if (!result.found) io.out(`${entry.name}: nothing to undo (no provisioning record on the phone)`);
      else if (result.ok) io.out(`${entry.name}: provisioning undone; proxy setting and CA stores are as they were found`);
      else throw new PhonehomeError(`${entry.name}: undo incomplete: ${result.problems.join('; ')}`);
      return 0;
    }
    if (values.port === undefined) throw new UsageError("phonehome provision: --port is required (the capture sidecar's port)");
    const proxyPort = parsePort('provision', 'port', values.port, 0);
    if (proxyPort === 0) throw new UsageError('phonehome provision: --port must be the port the sidecar listens on, not 0');
    const store = values['ca-store'] ?? 'auto';
    if (store !== 'auto' && store !== 'system' && store !== 'user') throw new UsageError(`phonehome provision: --ca-store must be auto, system or user, got '${store}'`);
    let caCertPem: string;
    if (values.ca) {
      caCertPem = await readFile(values.ca, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new PhonehomeError(`--ca ${values.ca}: cannot read it (${error.code ?? error.message})`);
      });
    } else {
      caCertPem = (await loadOrCreateCa()).certPem;
    }
    const provisioning = await provisionPhone(device, { proxyPort, caCertPem, caStore: store, proxyHost: entry.proxyHost, reassertMs: 0, log: io.err, name: entry.name });
    for (const warning of provisioning.warnings) io.err(`warning: ${warning}`);
    io.out(`${entry.name}: proxy ${provisioning.proxyAddress}, CA in the ${provisioning.caStore} store; undo with 'phonehome provision ${entry.name} --undo'`);
    return 0;
  },
};
