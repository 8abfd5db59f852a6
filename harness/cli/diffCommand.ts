import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { UsageError } from '../errors.js';
import { diffRunFolders, formatDiff } from '../report/runDiff.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'what changed between two runs: new leaks, leaks that stopped, new hosts, app versions, blind spots',
  help: [
    'Usage: phonehome diff OLD NEW [--json]',
    '',
    'Compares two run folders (reports/<run-id>, a merged run, or reports/latest) and lists:',
    '  new leaks            a visit (browser × mode) or identifier reaching a host in an encoding',
    '                       that OLD did not see',
    '  leaks that stopped   in OLD, and NEW observed the same kind of visit (or read the identifier)',
    '                       without it; a leak NEW could not observe is listed apart, never as stopped',
    '  new destination hosts, app versions that changed, blind spots that appeared',
    '',
    'Leaks are compared by what leaked, the host and the decoding chain, not by phone name, so a run',
    'on one phone can be compared with a run on another (e.g. before and after an app update).',
    '',
    'Options:',
    '  --json   print the diff as JSON (the RunDiff type of harness/report/types.ts)',
    '',
    'Exit codes: 0 no new leak, 1 NEW has a leak OLD did not, 2 a folder is not a run or is corrupted.',
    '',
    'Examples:',
    '  phonehome diff reports/20260101-020000-ab12 reports/latest',
    '  phonehome diff nightly-before nightly-after --json > diff.json',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('diff', argv, { json: { type: 'boolean' } }, { allowPositionals: true });
    if (positionals.length !== 2) throw new UsageError("phonehome diff: pass two run folders, OLD then NEW, e.g. 'phonehome diff reports/<old-run> reports/latest' (see 'phonehome diff --help')");
    const diff = await diffRunFolders(positionals[0]!, positionals[1]!);
    if (values.json) io.out(JSON.stringify(diff, null, 2));
    else for (const line of formatDiff(diff)) io.out(line);
    return diff.newLeaks.length > 0 ? 1 : 0;
  },
};
