/** `phonehome detect DIR`: findings and verdicts for a capture folder. */
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { UsageError } from '../errors.js';
import { captureAnalysisText } from '../detect/findingTable.js';
import { analyseCaptureFolder } from '../detect/captureAnalysis.js';
import { parseCanaryArgument, readIdentifiersFile, readVisitsFile } from '../detect/canarySources.js';
import type { Canary, Visit } from '../detect/types.js';
import { VERDICT_GRACE_MS } from '../detect/verdictGrace.js';
import { EXIT_INCOMPLETE, incompleteSummary } from '../detect/incompleteFlows.js';

const help = `Usage: phonehome detect DIR [--canary [KIND:]VALUE]... [--visits FILE] [--identifiers FILE] [--json]

Searches every flow of a capture folder (URL, headers, bodies) for canaries, through any chain of
encodings (percent, form, multipart, JSON, base64/base64url, hex, gzip/deflate/brotli, protobuf,
md5/sha1/sha256), and prints each finding with the decoding chain and an excerpt, then a verdict per
visit: leaked, not-leaked, or unobservable (capture down, TLS refused, undecodable flow).

Canaries come from the folder's markers (visit-start markers carry each Visit; a 'device-identifiers'
note marker carries the phone's identifiers), and from:
  --canary [KIND:]VALUE  a value to find; KIND is one of imei, meid, android-id, serial, phone-number,
                         wifi-mac, contact-number, sms-sender, imsi, search-term, visit-token, visit-url,
                         model, android-release, carrier-name, screen-name (identifiers are matched in
                         every form they travel in; model, release and carrier name only as context);
                         without KIND the value is matched as given. Repeatable.
  --visits FILE          JSON Lines, one Visit {id, device, browser, mode, url, canaries, t0, t1} per line
  --identifiers FILE     JSON {"device": "…", "identifiers": {"imei": "…", "androidId": "…", …}}
                         (values as strings, {value} or {unavailable})
Options:
  --json                 print one JSON object per finding per line (canary, flowId, host, ip, path,
                         party, chain, excerpt {text, start, end}, confidence, context), nothing else
  --grace MS             grace period after each visit for verdicts (default ${VERDICT_GRACE_MS})
  --first-party DOMAIN   a registrable domain that is first party for every canary (repeatable)
  --workers N            scan flows on N threads (default 1); worth it for captures of many MB

Exit codes: 0 no leak found in flows all read and decoded, 1 a leak was found (a visit canary at a
third party, or a device identifier / custom canary anywhere), 2 input error (bad folder, file or
canary), 3 no leak found but some flows could not be fully read or decoded (over a bound,
truncated, unsupported encoding): a leak there cannot be ruled out.

Examples:
  phonehome detect reports/run-1/capture
  phonehome detect cap --canary imei:867530912345678 --canary 'phonehome q7zk2'
  phonehome detect cap --visits visits.jsonl --json | jq .chain`;

export const detectCommand: Command = {
  name: 'detect',
  summary: 'find visits and device identifiers in a capture folder, through any chain of encodings',
  help,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'detect',
      argv,
      {
        canary: { type: 'string', multiple: true },
        visits: { type: 'string' },
        identifiers: { type: 'string' },
        json: { type: 'boolean' },
        grace: { type: 'string' },
        'first-party': { type: 'string', multiple: true },
        workers: { type: 'string' },
      },
      { allowPositionals: true },
    );
    if (positionals.length !== 1) throw new UsageError(`phonehome detect: give exactly one capture folder (got ${positionals.length}; see 'phonehome detect --help')`);
    const dir = positionals[0]!;
    let graceMs: number | undefined;
    if (values.grace !== undefined) {
      graceMs = Number(values.grace);
      if (!Number.isFinite(graceMs) || graceMs < 0) throw new UsageError(`phonehome detect: --grace must be a number of milliseconds >= 0, got '${values.grace}'`);
    }
    let workers: number | undefined;
    if (values.workers !== undefined) {
      workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`phonehome detect: --workers must be a whole number from 1 to 64, got '${values.workers}'`);
    }
    const canaries: Canary[] = (values.canary ?? []).map(parseCanaryArgument);
    if (values.identifiers) canaries.push(...(await readIdentifiersFile(values.identifiers)));
    const visits: Visit[] = values.visits ? await readVisitsFile(values.visits) : [];
    const analysis = await analyseCaptureFolder(dir, { visits, canaries, graceMs, firstPartyDomains: values['first-party'], workers });
    if (analysis.canaries.length === 0) {
      throw new UsageError(`phonehome detect: no canaries: ${dir} has no visit-start or device-identifiers markers; pass --canary, --visits or --identifiers`);
    }
    if (values.json) for (const f of analysis.findings) io.out(JSON.stringify(f));
    else for (const line of captureAnalysisText(analysis)) io.out(line);
    const leaked =
      analysis.verdicts.some((v) => v.verdict === 'leaked') ||
      analysis.findings.some((f) => f.canary.visitId === undefined && f.party === 'third-party');
    const incomplete = incompleteSummary(analysis.undecodable);
    if (incomplete) io.err(incomplete);
    return leaked ? 1 : incomplete ? EXIT_INCOMPLETE : 0;
  },
};
