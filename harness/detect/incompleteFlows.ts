/**
 * Flows the detector could not fully read or decode: each blinds the verdicts of the visits around
 * it, and `phonehome detect` never says "no leak found" (exit 0) while one exists.
 */
import type { Undecodable } from './types.js';

/** Exit code of `phonehome detect` when no leak was found but some flows could not be fully read or decoded. */
export const EXIT_INCOMPLETE = 3;

/** One line saying how many flows are incomplete and why (the commonest reasons first), or undefined if none. */
export function incompleteSummary(undecodable: readonly Undecodable[]): string | undefined {
  if (undecodable.length === 0) return undefined;
  const flows = new Set(undecodable.map((u) => u.flowId));
  const reasons = new Map<string, number>();
  for (const u of undecodable) {
    // Sizes and offsets vary per flow; the reason's kind is what a person acts on.
    const kind = u.reason.replace(/\d[\d,]*/g, 'N');
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const top = [...reasons].sort((a, b) => b[1] - a[1]);
  const shown = top.slice(0, 3).map(([r, n]) => `${r} (${n}x)`).join('; ');
  const more = top.length > 3 ? `; and ${top.length - 3} other reasons` : '';
  const n = flows.size;
  return `incomplete: ${n} flow${n === 1 ? '' : 's'} could not be fully read or decoded, so no leak can be ruled out there: ${shown}${more}`;
}
