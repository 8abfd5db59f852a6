import path from 'node:path';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../report/runFolder.js';
import { writeReports } from '../report/writeReports.js';

export const reportCommand: Command = {
  name: 'report',
  summary: "rebuild a run folder's reports (run.json, junit.xml, traffic.har, index.html) from its raw capture",
  help: [
    'Usage: phonehome report DIR [--baseline OLD_DIR]',
    '',
    "Rebuilds every report file of a run folder (reports/<run-id>, or reports/latest) from what the",
    'run left on disk: the capture of each phone (flows, bodies, blind spots, visit markers) and the',
    "run's journal. Works on a run that was killed: the report then says 'run did not finish' and",
    'holds every flow captured before the kill.',
    '',
    'Writes DIR/run.json, DIR/junit.xml, DIR/traffic.har and DIR/index.html.',
    '',
    'Options:',
    "  --baseline OLD_DIR  a previous run: index.html also shows what changed since it (see 'phonehome diff')",
    '',
    'Exit code 0 when the report was written (whatever the run found), 2 when DIR is not a run folder',
    'or its files are corrupted.',
    '',
    'Example:',
    '  phonehome report reports/latest',
  ].join('\n'),
  async run(argv, io) {
    const { positionals, values } = parseCommandArgs('report', argv, { baseline: { type: 'string' } }, { allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError("phonehome report: pass exactly one run folder, e.g. 'phonehome report reports/latest' (see 'phonehome report --help')");
    const folder = await openRunFolder(positionals[0]!);
    // The run-to-run diff lives with the farm (which builds on this layer), so it loads only when asked.
    const run = values.baseline === undefined
      ? await writeReports(folder)
      : (await (await import('../report/baselineReport.js')).writeReportsWithBaseline(folder, values.baseline)).run;
    const leaked = run.visits.filter((v) => v.verdict === 'leaked').length;
    const unobservable = run.visits.filter((v) => v.verdict === 'unobservable').length;
    const flows = run.captures.reduce((n, c) => n + c.flows, 0);
    io.out(`run ${run.runId} (${run.status}): ${run.visits.length} visits, ${leaked} leaked, ${unobservable} unobservable, ${run.findings.length} findings, ${flows} flows`);
    for (const warning of run.geo?.warnings ?? []) io.err(`warning: ${warning}`);
    io.out(`report: ${path.relative(process.cwd(), folder.html) || folder.html}`);
    return 0;
  },
};
