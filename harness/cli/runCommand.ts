import path from 'node:path';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { resolveDevicesFile } from '../config/index.js';
import type { BrowserMode } from '../detect/index.js';
import { UsageError } from '../errors.js';
import { createBrowserDriver } from '../scenario/browserDriver.js';
import { parseShard, runSuites } from '../run/index.js';

const MODES: readonly BrowserMode[] = ['normal', 'incognito'];

/** `--device a --device b` and `--device a,b` both work. */
function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run scenario suites on phones and write the report (reports/<run-id>/index.html)',
  help: [
    'Usage: phonehome run SUITE… [--devices FILE] [--device NAME…] [--browser NAME…] [--mode normal|incognito]',
    '                     [--grep TEXT] [--out DIR] [--timeout MS] [--parallel N] [--shard i/n] [--baseline DIR]',
    '                     [--no-recording]',
    '',
    'Starts what the chosen phones need (launch command, adb connect on a private adb server, a capture',
    'sidecar per phone, Appium), provisions them (proxy + CA), runs the mocha suites, puts the phones',
    'back as found, analyses the capture and writes the report. Prints progress as it goes.',
    '',
    'Suites: names in scenarios/ (forbes-2020, forbes-2020-fixed, fsecure-2014, incognito-guard, smoke)',
    'or paths to suite files.',
    '',
    'Options:',
    '  --devices FILE   phones (default ./devices.json, or $PHONEHOME_DEVICES)',
    "  --device NAME    a phone from the devices file (repeat or comma-separate; default: the file's default)",
    '  --browser NAME   only these browsers (mi-browser, mint, mi-browser-pro; default all installed)',
    '  --mode MODE      only this mode (normal, incognito; default both)',
    '  --grep TEXT      only tests whose title contains TEXT (a regular expression)',
    '  --out DIR        reports folder (default ./reports); the run goes to DIR/<run-id>, DIR/latest points at it',
    '  --timeout MS     per-test timeout (default 120000)',
    '  --device all, --device tag:NAME   every phone, or every phone with that devices.json tag (farm run:',
    '                   phones with the same tags are a pool that shares the work; a lost phone is',
    '                   quarantined and its unfinished tests retried once on another phone of its pool)',
    '  --parallel N     at most N phones at once (farm run; default all selected)',
    '  --shard i/n      only the i-th of n deterministic slices of the tests (a CI matrix job)',
    "  --baseline DIR   a previous run: index.html shows what changed since it (see 'phonehome diff')",
    '  --no-recording   no screen recording of each visit (default: an animated PNG per visit in',
    '                   capture/<phone>/visits/, linked from the report; also PHONEHOME_RECORDING=off)',
    '',
    'Writes DIR/<run-id>/: run.json, junit.xml, traffic.har, index.html, capture/<phone>/, visits/.',
    "If the run is killed, 'phonehome report DIR/<run-id>' rebuilds the report from what was captured.",
    '',
    'Exit codes: 0 every assertion held, 1 an assertion failed, 2 harness, setup or input error.',
    '',
    'Examples:',
    '  phonehome run forbes-2020',
    '  phonehome run smoke --device redmi-note-8 --browser mint',
    '  phonehome run incognito-guard --devices farm.json --device a,b --out /var/reports',
    '  phonehome run smoke --device tag:farm --parallel 4 --shard 1/2',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'run',
      argv,
      {
        devices: { type: 'string' },
        device: { type: 'string', multiple: true },
        browser: { type: 'string', multiple: true },
        mode: { type: 'string', multiple: true },
        grep: { type: 'string' },
        out: { type: 'string' },
        timeout: { type: 'string' },
        parallel: { type: 'string' },
        shard: { type: 'string' },
        baseline: { type: 'string' },
        'no-recording': { type: 'boolean' },
      },
      { allowPositionals: true },
    );
    const modes = list(values.mode);
    for (const m of modes) if (!MODES.includes(m as BrowserMode)) throw new UsageError(`phonehome run: --mode must be normal or incognito, got '${m}'`);
    const timeoutMs = values.timeout === undefined ? 120_000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`phonehome run: --timeout must be a positive number of milliseconds, got '${values.timeout}'`);
    if (values.grep !== undefined) {
      try {
        new RegExp(values.grep);
      } catch (error) {
        throw new UsageError(`phonehome run: --grep is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
    if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1)) throw new UsageError(`phonehome run: --parallel must be a whole number of phones >= 1, got '${values.parallel}'`);
    // One lifecycle for one phone and many (harness/run): a one-phone run is a farm of one.
    const outcome = await runSuites({
      suites: positionals,
      devicesFile: resolveDevicesFile(values.devices),
      devices: list(values.device),
      browsers: list(values.browser),
      modes: modes.length > 0 ? (modes as BrowserMode[]) : [...MODES],
      ...(values.grep !== undefined ? { grep: values.grep } : {}),
      out: path.resolve(values.out ?? 'reports'),
      argv: ['run', ...argv],
      timeoutMs,
      io,
      createDriver: values['no-recording'] ? (phones, setup) => createBrowserDriver(phones, { ...setup, recording: false }) : createBrowserDriver,
      ...(parallel !== undefined ? { parallel } : {}),
      ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
      ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    });
    return outcome.exitCode;
  },
};
