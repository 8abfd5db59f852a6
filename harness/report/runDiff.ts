import { identifierCanaries, type Identifiers } from '../device/index.js';
import type { FindingRecord, LeakKey, RunDiff, RunRecord, VisitRecord } from './types.js';
import { destinationHosts, loadRun, type LoadedRun } from './runLoader.js';

/** Loads both run folders and compares them. */
export async function diffRunFolders(oldDir: string, newDir: string): Promise<RunDiff> {
  const [older, newer] = await Promise.all([loadRun(oldDir), loadRun(newDir)]);
  return diffRuns(older, newer);
}

export async function diffRuns(older: LoadedRun, newer: LoadedRun): Promise<RunDiff> {
  const [oldHosts, newHosts] = await Promise.all([destinationHosts(older), destinationHosts(newer)]);
  const oldLeaks = leaks(older.run);
  const newLeaks = leaks(newer.run);
  const diff: RunDiff = {
    old: { runId: older.run.runId, dir: older.folder.dir, startedAt: older.run.startedAt },
    new: { runId: newer.run.runId, dir: newer.folder.dir, startedAt: newer.run.startedAt },
    newHosts: [...newHosts.hosts].filter((h) => !oldHosts.hosts.has(h)).sort(),
    goneHosts: [...oldHosts.hosts].filter((h) => !newHosts.hosts.has(h)).sort(),
    newLeaks: [],
    stoppedLeaks: [],
    unconfirmedLeaks: [],
    appVersions: appVersionChanges(older.run, newer.run),
    newBlindSpots: newBlindSpots(older.run, newer.run),
  };
  if (oldHosts.truncated || newHosts.truncated) diff.hostsTruncated = true;
  for (const [id, { key, finding }] of newLeaks) {
    if (oldLeaks.has(id)) continue;
    diff.newLeaks.push({
      ...key,
      example: { device: finding.device, flowId: finding.flowId, ...(finding.visitId ? { visitId: finding.visitId } : {}), ...(finding.endpoint ? { endpoint: finding.endpoint } : {}) },
    });
  }
  const observed = observedSubjects(newer.run);
  for (const [id, { key }] of oldLeaks) {
    if (newLeaks.has(id)) continue;
    const why = observed.get(key.subject);
    if (why === true) diff.stoppedLeaks.push(key);
    else diff.unconfirmedLeaks.push({ ...key, why: why ?? `the new run made no ${key.subject.startsWith('identifier ') ? 'reading of that identifier' : 'such visit'}` });
  }
  const order = (a: LeakKey, b: LeakKey) => a.subject.localeCompare(b.subject) || a.host.localeCompare(b.host) || a.encoding.localeCompare(b.encoding);
  diff.newLeaks.sort(order);
  diff.stoppedLeaks.sort(order);
  diff.unconfirmedLeaks.sort(order);
  return diff;
}

/** What a visit is, across runs: its kind, browser and mode (its URL and tokens are new every run). */
export function visitSubject(v: Pick<VisitRecord, 'browser' | 'mode' | 'searchTerms'>): string {
  return `${v.searchTerms && v.searchTerms.length > 0 ? 'search' : 'visit'} ${v.browser} ${v.mode}`;
}

/** The decoding chain without field names and indices: 'form[data_list]' → 'form', 'json[0].url' → 'json'. */
export function encodingOf(chain: readonly string[]): string {
  const steps = chain.map((step) => step.split(/[[.:( ]/, 1)[0]!.trim()).filter(Boolean);
  return steps.join(' > ') || 'plain';
}

function leaks(run: RunRecord): Map<string, { key: LeakKey; finding: FindingRecord }> {
  const visits = new Map(run.visits.map((v) => [`${v.device}\u0000${v.id}`, v]));
  const out = new Map<string, { key: LeakKey; finding: FindingRecord }>();
  for (const f of run.findings) {
    // First-party traffic is the visited site itself, not a leak.
    if (f.party !== 'third-party') continue;
    let subject: string;
    if (f.visitId !== undefined) {
      const visit = visits.get(`${f.device}\u0000${f.visitId}`);
      if (!visit) continue;
      subject = visitSubject(visit);
    } else {
      subject = `identifier ${f.canary.kind}`;
    }
    const key: LeakKey = { subject, host: f.host.toLowerCase(), encoding: encodingOf(f.chain) };
    const id = JSON.stringify([key.subject, key.host, key.encoding]);
    if (!out.has(id)) out.set(id, { key, finding: f });
  }
  return out;
}

/**
 * Subjects the run could have seen leak: true when it did observe one (a visit judged not-leaked
 * or leaked, an identifier it read), else why not (all such visits unobservable).
 */
function observedSubjects(run: RunRecord): Map<string, true | string> {
  const out = new Map<string, true | string>();
  for (const v of run.visits) {
    const subject = visitSubject(v);
    if (v.verdict !== 'unobservable') out.set(subject, true);
    else if (out.get(subject) !== true) out.set(subject, `every such visit in the new run was unobservable (${v.reasons[0] ?? 'no reason given'})`);
  }
  for (const phone of run.phones) for (const c of identifierCanaries(phone.identifiers as Partial<Identifiers>, phone.name)) out.set(`identifier ${c.kind}`, true);
  for (const f of run.findings) if (f.visitId === undefined) out.set(`identifier ${f.canary.kind}`, true);
  return out;
}

function appVersionChanges(older: RunRecord, newer: RunRecord): RunDiff['appVersions'] {
  const versions = (run: RunRecord) => {
    const m = new Map<string, { app: string; package: string; versions: Set<string> }>();
    for (const phone of run.phones) {
      for (const a of phone.apps) {
        const id = `${a.browser ?? a.label ?? a.package}\u0000${a.package}`;
        const entry = m.get(id) ?? { app: a.browser ?? a.label ?? a.package, package: a.package, versions: new Set<string>() };
        entry.versions.add(a.version);
        m.set(id, entry);
      }
    }
    return m;
  };
  const before = versions(older);
  const after = versions(newer);
  const out: RunDiff['appVersions'] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const o = [...(before.get(id)?.versions ?? [])].sort();
    const n = [...(after.get(id)?.versions ?? [])].sort();
    if (o.join('\u0000') === n.join('\u0000')) continue;
    const entry = after.get(id) ?? before.get(id)!;
    out.push({ app: entry.app, package: entry.package, old: o, new: n });
  }
  return out.sort((a, b) => a.app.localeCompare(b.app) || a.package.localeCompare(b.package));
}

function newBlindSpots(older: RunRecord, newer: RunRecord): RunDiff['newBlindSpots'] {
  const key = (b: { reason: string; host?: string }) => `${b.reason}\u0000${b.host ?? ''}`;
  const seen = new Set(older.blindSpots.map(key));
  const counts = new Map<string, { reason: string; host?: string; count: number }>();
  for (const b of newer.blindSpots) {
    const k = key(b);
    if (seen.has(k)) continue;
    const entry = counts.get(k) ?? { reason: b.reason, ...(b.host ? { host: b.host } : {}), count: 0 };
    entry.count++;
    counts.set(k, entry);
  }
  return [...counts.values()].sort((a, b) => a.reason.localeCompare(b.reason) || (a.host ?? '').localeCompare(b.host ?? ''));
}

/** The diff as lines for a terminal (and the CI log). */
export function formatDiff(diff: RunDiff): string[] {
  const lines = [`diff ${diff.old.runId} → ${diff.new.runId}`];
  const leak = (l: LeakKey) => `${l.subject} → ${l.host} (${l.encoding})`;
  const section = (title: string, items: string[]) => {
    lines.push(`${title}: ${items.length === 0 ? 'none' : items.length}`);
    for (const item of items) lines.push(`  ${item}`);
  };
  section('new leaks', diff.newLeaks.map((l) => `${leak(l)} e.g. ${l.example.device} flow ${l.example.flowId}${l.example.endpoint ? ` ${l.example.endpoint}` : ''}`));
  section('leaks that stopped', diff.stoppedLeaks.map(leak));
  if (diff.unconfirmedLeaks.length > 0) section('leaks not seen again but not observed either (not counted as stopped)', diff.unconfirmedLeaks.map((l) => `${leak(l)}: ${l.why}`));
  section('new destination hosts', diff.newHosts);
  if (diff.hostsTruncated) lines.push('  (a run contacted too many distinct hosts; the host lists are cut)');
  section('app versions changed', diff.appVersions.map((a) => `${a.app} (${a.package}): ${a.old.join(', ') || 'absent'} → ${a.new.join(', ') || 'absent'}`));
  section('blind spots that appeared', diff.newBlindSpots.map((b) => `${b.reason}${b.host ? ` ${b.host}` : ''} ×${b.count}`));
  return lines;
}
