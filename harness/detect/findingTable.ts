/** Findings, verdicts and undecodable flows as plain-text tables for the terminal. */
import type { CaptureAnalysis } from './captureAnalysis.js';
import type { Finding } from './types.js';

function clip(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/** The excerpt with the match in [brackets], cut to `width` around the match. */
export function excerptWithMatch(f: Finding, width = 70): string {
  const { text, start, end } = f.excerpt;
  const marked = `${text.slice(0, start)}[${text.slice(start, end)}]${text.slice(end)}`;
  if (marked.length <= width) return marked;
  const from = Math.max(0, Math.min(start - 15, marked.length - width));
  return (from > 0 ? '…' : '') + marked.slice(from, from + width - 1) + '…';
}

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function findingRows(findings: readonly Finding[]): string[] {
  return table(
    ['CANARY', 'PARTY', 'HOST', 'PATH', 'CHAIN', 'EXCERPT'],
    findings.map((f) => [
      clip(`${f.canary.kind}:${f.canary.value}`, 40),
      f.party,
      clip(f.host, 40),
      clip(f.path, 30),
      f.chain.join(' › '),
      excerptWithMatch(f),
    ]),
  );
}

export function captureAnalysisText(a: CaptureAnalysis): string[] {
  const out: string[] = [];
  const mb = (a.bytes / 1e6).toFixed(2);
  out.push(`${a.flows} flows (${mb} MB), ${a.canaries.length} canaries, ${a.visits.length} visits`);
  out.push('');
  if (a.findings.length === 0) out.push('No canary found in any flow.');
  else out.push(...findingRows(a.findings));
  if (a.verdicts.length > 0) {
    out.push('');
    out.push('Verdicts:');
    for (const v of a.verdicts) {
      const visit = a.visits.find((x) => x.id === v.visitId);
      const what = visit ? `${visit.browser || '?'} ${visit.mode} ${visit.url}` : '';
      if (v.verdict === 'leaked') out.push(`  ${v.visitId}  leaked to ${v.hosts.join(', ')}  (${what})`);
      else if (v.verdict === 'not-leaked') out.push(`  ${v.visitId}  not-leaked  (${what})`);
      else {
        out.push(`  ${v.visitId}  unobservable  (${what})`);
        for (const r of v.reasons) out.push(`      ${r}`);
      }
    }
  }
  const cutOff = a.blindSpots.filter((b) => b.reason === 'flow-cut-off');
  if (cutOff.length > 0) {
    out.push('');
    out.push(`Cut off (${cutOff.length}; a blind spot for visits around it):`);
    for (const b of cutOff) out.push(`  ${[b.flowId ? `flow ${b.flowId}` : '', b.host ?? '', b.detail ?? ''].filter(Boolean).join(' ')}`);
  }
  if (a.undecodable.length > 0) {
    out.push('');
    out.push(`Undecodable (${a.undecodable.length}; each is a blind spot for visits around it):`);
    for (const u of a.undecodable.slice(0, 50)) out.push(`  flow ${u.flowId} ${u.host} ${u.chain.join(' › ')}: ${u.reason}`);
    if (a.undecodable.length > 50) out.push(`  … and ${a.undecodable.length - 50} more`);
  }
  return out;
}
