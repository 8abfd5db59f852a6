// The functions a V8 CPU profile (--cpu-prof) spent most self time in: what stands in the way.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self-time shares of the top functions over every .cpuprofile in `dir` (all of a cluster's processes). */
export function topSelfTime(dir: string, top = 15): Array<{ share: number; what: string }> {
  const hits = new Map<string, number>();
  let total = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const n = node.hitCount ?? 0;
      // Idle time is waiting for load, not cost: shares are of the time spent working.
      if (n === 0 || node.callFrame.functionName === '(idle)') continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/harness\//, 'harness/');
      const what = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
      hits.set(what, (hits.get(what) ?? 0) + n);
      total += n;
    }
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([what, n]) => ({ share: n / Math.max(1, total), what }));
}
