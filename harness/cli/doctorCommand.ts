import type { Command } from './command.js';
import { parseCommandArgs, parsePort } from './command.js';
import { loadDevices, resolveDevicesFile, selectDevice } from '../config/index.js';
import { AdbClient, doctorPhone } from '../device/index.js';
import { UsageError } from '../errors.js';
import { aptInstall, checkTool, SYSTEM_TOOLS, type SystemTool } from '../setup/systemTools.js';

const MIN_NODE: [number, number] = [20, 19];

function nodeIsRecentEnough(version: string): boolean {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check (and with --install, install) the system programs phonehome needs',
  help: [
    'Usage: phonehome doctor [--install] [--all] [--for tests] [--quiet]',
    '       phonehome doctor --phone NAME [--devices FILE] [--adb-port PORT]',
    '',
    'With --phone: installs the UiAutomator2 server, its test runner and Appium Settings on that',
    'phone once (adb install -r -g, from node_modules), explaining what MIUI asks on screen, then',
    'checks the phone as runs do (settings writes, input injection, root, user).',
    '',
    'Checks Node.js and the system programs phonehome uses: adb (required), chromium,',
    'mitmdump and java (optional: reports check, benchmarks, farm).',
    '',
    'Options:',
    '  --install   install missing required programs with apt-get (needs root)',
    '  --all       with --install, install the optional ones too',
    '  --for tests also require what the test suite uses (chromium)',
    '  --quiet     print only problems',
    '',
    'Exit code 0 when every required program is there, 2 otherwise.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('doctor', argv, {
      install: { type: 'boolean' },
      all: { type: 'boolean' },
      quiet: { type: 'boolean' },
      for: { type: 'string' },
      phone: { type: 'string' },
      devices: { type: 'string' },
      'adb-port': { type: 'string' },
    });
    if (values.phone !== undefined) {
      const entry = selectDevice(await loadDevices(resolveDevicesFile(values.devices)), values.phone);
      const port = values['adb-port'] === undefined ? undefined : parsePort('doctor', 'adb-port', values['adb-port'], 5037);
      return doctorPhone(entry, new AdbClient({ port }), io);
    }
    if (values.for !== undefined && values.for !== 'tests') {
      throw new UsageError(`phonehome doctor: --for takes 'tests', got '${values.for}'`);
    }
    const required = (tool: SystemTool) => tool.required || (values.for !== undefined && (tool.requiredFor ?? []).includes(values.for as 'tests'));
    const say = (line: string) => { if (!values.quiet) io.out(line); };
    let ok = true;
    if (!nodeIsRecentEnough(process.version)) {
      io.err(`phonehome doctor: Node.js ${process.version} is too old; ${MIN_NODE.join('.')} or newer is needed`);
      ok = false;
    } else {
      say(`node      ${process.version}`);
    }
    let statuses = await Promise.all(SYSTEM_TOOLS.map(checkTool));
    const wanted = statuses.filter((s) => !s.found && (required(s.tool) || values.all));
    if (values.install && wanted.length > 0) {
      const result = await aptInstall([...new Set(wanted.map((s) => s.tool.debianPackage))], say);
      if (!result.ok) io.err(`phonehome doctor: ${result.why}`);
      statuses = await Promise.all(SYSTEM_TOOLS.map(checkTool));
    }
    for (const s of statuses) {
      if (s.found) say(`${s.tool.command.padEnd(9)} ${s.version ?? 'present'}`);
      else if (required(s.tool)) {
        ok = false;
        io.err(`phonehome doctor: '${s.tool.command}' not found — it ${s.tool.purpose}; install it with: apt-get install -y ${s.tool.debianPackage} (or run 'phonehome doctor --install' as root)`);
      } else say(`${s.tool.command.padEnd(9)} missing (optional: ${s.tool.purpose}; apt-get install -y ${s.tool.debianPackage})`);
    }
    return ok ? 0 : 2;
  },
};
