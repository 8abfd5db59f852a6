/**
 * Detector benchmark: 1,000 canaries over >= 200 MB of telemetry-shaped flows in mixed encodings,
 * against the naive baseline (same decoded layers, one indexOf per canary per variant) in the same
 * run. The baseline is far too slow for the whole corpus, so it runs on an evenly spread sample and
 * both finders' findings are compared on that sample; MB/s are wire bytes (before decoding).
 *
 *   npm run bench:detect [-- --mb 200 --canaries 1000 --baseline-mb 4]
 */
import { parseArgs } from 'node:util';
import { LeakFinder, type Finding } from '../../harness/detect/index.js';
import { LEAK_EVERY, makeCanaries, makeCorpus, type CorpusFlow } from './flowCorpus.js';
import { IndexOfPerPattern } from './naiveBaseline.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, canaries: { type: 'string', default: '1000' }, 'baseline-mb': { type: 'string', default: '4' } } });
const targetMb = Number(values.mb);
const canaryCount = Number(values.canaries);
const baselineMb = Number(values['baseline-mb']);

function key(f: Finding): string {
  return `${f.flowId} ${f.canary.kind}:${f.canary.value} ${f.chain.join(' › ')}`;
}

function run(finder: LeakFinder, flows: CorpusFlow[]): { seconds: number; bytes: number; findings: Finding[]; undecodable: number } {
  const findings: Finding[] = [];
  let undecodable = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (const f of flows) {
    const scan = finder.scanParts(f.flow, f.roots);
    findings.push(...scan.findings);
    undecodable += scan.undecodable.length;
    bytes += f.bytes;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes, findings, undecodable };
}

const t0 = Date.now();
const canaries = makeCanaries(canaryCount);
const corpus = makeCorpus(targetMb * 1e6, canaries);
const corpusBytes = corpus.reduce((n, f) => n + f.bytes, 0);
console.log(`corpus: ${corpus.length} flows, ${(corpusBytes / 1e6).toFixed(1)} MB (wire bytes), generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const fast = new LeakFinder({ canaries });
const naive = new LeakFinder({ canaries, scanner: (patterns) => new IndexOfPerPattern(patterns) });
console.log(`canaries: ${canaries.length}, encoded patterns: ${fast.patternCount}`);

run(fast, corpus.slice(0, 200)); // warm-up (JIT)
const full = run(fast, corpus);
const fastMbs = full.bytes / 1e6 / full.seconds;
console.log(`detector: ${(full.bytes / 1e6).toFixed(1)} MB in ${full.seconds.toFixed(2)} s = ${fastMbs.toFixed(0)} MB/s, ${full.findings.length} findings, ${full.undecodable} undecodable`);

// Baseline sample: every k-th flow, k a multiple of LEAK_EVERY, so every sampled flow carries a
// canary and the sample still cycles through all flow kinds.
const stride = LEAK_EVERY * Math.max(1, Math.round(corpusBytes / (baselineMb * 1e6) / LEAK_EVERY));
const sample = corpus.filter((_, i) => i % stride === 0);
const sampleFast = run(fast, sample);
const sampleNaive = run(naive, sample);
const naiveMbs = sampleNaive.bytes / 1e6 / sampleNaive.seconds;
const sampleFastMbs = sampleFast.bytes / 1e6 / sampleFast.seconds;
console.log(`baseline (indexOf per canary per variant): ${(sampleNaive.bytes / 1e6).toFixed(1)} MB sample (every ${stride}th flow) in ${sampleNaive.seconds.toFixed(2)} s = ${naiveMbs.toFixed(2)} MB/s`);
console.log(`detector on the same sample: ${sampleFastMbs.toFixed(0)} MB/s`);
console.log(`ratio: ${(fastMbs / naiveMbs).toFixed(0)}x (full-corpus detector vs baseline), ${(sampleFastMbs / naiveMbs).toFixed(0)}x on the same sample`);
const a = new Set(sampleFast.findings.map(key));
const b = new Set(sampleNaive.findings.map(key));
const same = a.size === b.size && [...a].every((k) => b.has(k));
console.log(`same findings on the sample: ${same ? 'yes' : 'NO'} (${a.size} detector, ${b.size} baseline)`);
if (!same) {
  for (const k of [...a].filter((x) => !b.has(x)).slice(0, 5)) console.log(`  only detector: ${k}`);
  for (const k of [...b].filter((x) => !a.has(x)).slice(0, 5)) console.log(`  only baseline: ${k}`);
}
const expected = Math.ceil(corpus.length / LEAK_EVERY);
console.log(`flows carrying a canary: ${expected}; flows with a finding: ${new Set(full.findings.map((f) => f.flowId)).size}`);
console.log(`targets: >= 200 MB/s ${fastMbs >= 200 ? 'met' : 'NOT met'}; >= 10x baseline ${fastMbs / naiveMbs >= 10 ? 'met' : 'NOT met'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exitCode = same ? 0 : 1;
