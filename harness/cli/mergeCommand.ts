import path from 'node:path';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { UsageError } from '../errors.js';
import { writeReportsWithBaseline } from '../report/baselineReport.js';
import { mergeRuns } from '../report/runMerge.js';

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'combine run folders (CI shards) into one run and report',
  help: [
    'Usage: phonehome merge DIR… [--out DIR] [--baseline DIR]',
    '',
    'Combines run folders (the shards of a CI matrix, each `phonehome run … --shard i/n`) into one new',
    "run folder OUT/<run-id> (OUT/latest points at it): the journals are joined and every phone's",
    'capture is copied, then run.json, junit.xml, traffic.har and index.html are written from them, as',
    "'phonehome report' does. Phones with the same name in several runs become NAME@K (K: the run's",
    'position on the command line), so each keeps its own capture. A run that did not finish is',
    'merged with what it captured and makes the merged run an error.',
    '',
    'Options:',
    '  --out DIR        reports folder for the merged run (default ./reports)',
    '  --baseline DIR   a previous run: index.html shows what changed since it (see phonehome diff)',
    '',
    'Exit codes: 0 every merged check held, 1 a check failed, 2 a run had a harness error, did not',
    'finish, or a folder is not a run.',
    '',
    'Example:',
    '  phonehome merge shard-1/latest shard-2/latest --out reports --baseline previous-night',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('merge', argv, { out: { type: 'string' }, baseline: { type: 'string' } }, { allowPositionals: true });
    if (positionals.length === 0) throw new UsageError("phonehome merge: name the run folders to merge, e.g. 'phonehome merge shard-1/latest shard-2/latest' (see 'phonehome merge --help')");
    const folder = await mergeRuns(positionals, path.resolve(values.out ?? 'reports'), ['merge', ...argv]);
    const { run, diff } = await writeReportsWithBaseline(folder, values.baseline);
    const tests = run.suites.flatMap((s) => s.tests);
    const failed = tests.filter((t) => t.state === 'failed').length;
    const leaked = run.visits.filter((v) => v.verdict === 'leaked').length;
    const unobservable = run.visits.filter((v) => v.verdict === 'unobservable').length;
    io.out(`merged ${positionals.length} runs into ${run.runId} (${run.status}): ${run.phones.length} phones, ${tests.length} tests (${failed} failed), ${run.visits.length} visits, ${leaked} leaked, ${unobservable} unobservable`);
    if (diff) io.out(`since ${diff.old.runId}: ${diff.newLeaks.length} new leaks, ${diff.stoppedLeaks.length} stopped, ${diff.newHosts.length} new hosts`);
    io.out(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
    return run.status === 'passed' ? 0 : run.status === 'failed' ? 1 : 2;
  },
};
