import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { UsageError } from '../errors.js';
import { listProfiles, loadProfile } from '../../sim/profiles/index.js';

const HELP = `Usage: phonehome profiles [--check FILE.json]

Lists the simulated phones shipped in sim/profiles/ (name, model, Android, root, apps and how many
telemetry rules each has), or checks a profile file you wrote against profile.schema.json and the
rules a schema cannot express (placeholders, encode chains, batch queues).

Options:
  --check FILE  validate one profile file; exit 0 when valid, 2 with a one-line error naming the
                file and the field otherwise
  -h, --help    this text

Examples:
  phonehome profiles
  phonehome profiles --check my-phone.json
  phonehome sim --profile my-phone.json --port 5555`;

/** `phonehome profiles`: what simulated phones exist, and is my profile file valid. */
export const profilesCommand: Command = {
  name: 'profiles',
  summary: 'list the simulated phone profiles, or check a profile file',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('profiles', argv, { check: { type: 'string' } }, { allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`phonehome profiles: unexpected argument '${positionals[0]}' (to check a file use --check FILE; see 'phonehome profiles --help')`);
    if (values.check !== undefined) {
      const profile = loadProfile(values.check);
      const rules = profile.apps.reduce((n, a) => n + a.telemetry.length, 0);
      io.out(`${values.check}: valid profile '${profile.name}' (${profile.device.model}, ${profile.apps.length} apps, ${rules} telemetry rules)`);
      return 0;
    }
    for (const name of listProfiles()) {
      const p = loadProfile(name);
      const d = p.device;
      const apps = p.apps.map((a) => `${a.package} ${a.version} (${a.telemetry.length} rules)`).join(', ');
      io.out(`${name.padEnd(26)} ${d.model}, Android ${d.release} (API ${d.sdk}), ${d.buildType}${d.rootable ? ', rootable' : ''}: ${apps}`);
    }
    return 0;
  },
};
