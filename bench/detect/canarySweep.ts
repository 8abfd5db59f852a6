/**
 * One point of the canary-count sweep, in a process of its own (so RSS is this count's alone):
 * builds a finder for N canaries, then times it over the same corpus every point uses (its leaks
 * drawn from the first 10 canaries, which every count includes). Prints one JSON line.
 *
 *   node --import tsx bench/detect/canarySweep.ts --canaries 10000 --mb 40 --runs 3
 */
import { parseArgs } from 'node:util';
import { LeakFinder } from '../../harness/detect/index.js';
import { makeCanaries, makeCorpus } from './flowCorpus.js';

const { values } = parseArgs({ options: { canaries: { type: 'string', default: '1000' }, mb: { type: 'string', default: '40' }, runs: { type: 'string', default: '3' } } });
const count = Number(values.canaries);
const runs = Math.max(1, Number(values.runs));

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const corpus = makeCorpus(Number(values.mb) * 1e6, makeCanaries(10));
const bytes = corpus.reduce((n, f) => n + f.bytes, 0);
const canaries = makeCanaries(count);
const rssBefore = process.memoryUsage().rss;
const c0 = cpu();
const t0 = Date.now();
const finder = new LeakFinder({ canaries });
const buildCpu = cpu() - c0;
const buildWall = (Date.now() - t0) / 1000;
const pass = () => {
  const c = cpu();
  let findings = 0;
  for (const f of corpus) findings += finder.scanParts(f.flow, f.roots).findings.length;
  return { mbPerCpu: bytes / 1e6 / (cpu() - c), findings };
};
pass(); // JIT warm-up
const results = Array.from({ length: runs }, pass);
const sorted = results.map((r) => r.mbPerCpu).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    canaries: count,
    patterns: finder.patternCount,
    mb: bytes / 1e6,
    mbPerCpuSecond: sorted[Math.floor(sorted.length / 2)],
    findings: results[0]!.findings,
    buildCpuSeconds: buildCpu,
    buildWallSeconds: buildWall,
    rssMb: process.memoryUsage().rss / 1e6,
    rssGrowthMb: (process.memoryUsage().rss - rssBefore) / 1e6,
  }),
);
