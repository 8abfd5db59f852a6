import type { Marker } from '../capture/index.js';
import type { Finding } from '../detect/index.js';

/**
 * Named steps of a suite (Leith's five scenarios: first start, close and reopen, paste a URL, type
 * a URL, idle): `step` note markers mark their begin and end in a phone's capture, and the report
 * lists, per step, the hosts the phone contacted and what each received, as the study's table does.
 */
export const STEP_NOTE = 'step';

export interface StepReceived {
  /** Canary kind: visit-url, search-term, keystroke-prefix, android-id … */
  kind: string;
  /** Distinct values of that kind the host received during the step. */
  count: number;
  /** The longest of them (for keystroke prefixes: the longest prefix). */
  example: string;
}

export interface StepHost {
  host: string;
  flows: number;
  received: StepReceived[];
}

export interface StepRecord {
  device: string;
  name: string;
  t0: number;
  /** Absent when the step never ended (the run was killed in it). */
  t1?: number;
  hosts: StepHost[];
}

/** One phone's steps from its markers, with the flows (id, host, start) and findings of its capture. */
export function phoneSteps(device: string, markers: readonly Marker[], flows: ReadonlyArray<{ id: string; host: string; startedAt: number }>, findings: readonly Finding[]): StepRecord[] {
  const open = new Map<string, number>();
  const windows: Array<{ name: string; t0: number; t1?: number }> = [];
  for (const m of markers) {
    if (m.kind !== 'note' || m.data?.note !== STEP_NOTE || typeof m.data.step !== 'string') continue;
    const name = m.data.step;
    if (m.data.phase === 'begin') {
      open.set(name, windows.length);
      windows.push({ name, t0: m.time });
    } else if (m.data.phase === 'end' && open.has(name)) {
      windows[open.get(name)!]!.t1 = m.time;
      open.delete(name);
    }
  }
  const byFlow = new Map<string, Finding[]>();
  for (const f of findings) byFlow.set(f.flowId, [...(byFlow.get(f.flowId) ?? []), f]);
  return windows.map((w) => {
    const hosts = new Map<string, { flows: number; received: Map<string, Set<string>> }>();
    for (const flow of flows) {
      if (flow.startedAt < w.t0 || (w.t1 !== undefined && flow.startedAt > w.t1)) continue;
      const entry = hosts.get(flow.host) ?? { flows: 0, received: new Map<string, Set<string>>() };
      entry.flows++;
      for (const f of byFlow.get(flow.id) ?? []) {
        // The visited site receiving its own URL is not news; what third parties received is.
        if (f.party === 'first-party') continue;
        const values = entry.received.get(f.canary.kind) ?? new Set<string>();
        values.add(f.canary.value);
        entry.received.set(f.canary.kind, values);
      }
      hosts.set(flow.host, entry);
    }
    return {
      device,
      name: w.name,
      t0: w.t0,
      ...(w.t1 !== undefined ? { t1: w.t1 } : {}),
      hosts: [...hosts].map(([host, e]) => ({
        host,
        flows: e.flows,
        received: [...e.received].map(([kind, values]) => ({ kind, count: values.size, example: [...values].sort((a, b) => b.length - a.length)[0]! })),
      })),
    };
  });
}
