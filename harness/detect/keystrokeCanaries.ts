/**
 * Keystroke-prefix canaries, for typing letter by letter (Leith's method, "Web Browser Privacy:
 * What Do Browsers Say When They Phone Home?", 2021): a browser with server-side autocomplete
 * sends the address bar's text after each keystroke, so every prefix of what was typed is a
 * canary. A finding names the longest prefix found at a place (LeakFinder) and, in its form, how
 * much of the typed text that is ('phoneh (keystroke prefix 6/22 of …)').
 *
 * Short prefixes of ordinary words ('phon') occur in traffic by chance: type the random part of
 * a term first, or raise the minimum length, so that every prefix searched is evidence.
 */
import type { Canary } from './types.js';

/** The matcher's shortest pattern (patternMatcher MIN_PATTERN_BYTES): a shorter prefix could not be searched. */
export const MIN_KEYSTROKE_PREFIX = 4;
/** Default shortest prefix searched. */
export const DEFAULT_KEYSTROKE_MIN_LENGTH = 4;

export interface KeystrokeOptions {
  /** Shortest prefix, in characters (default DEFAULT_KEYSTROKE_MIN_LENGTH, at least MIN_KEYSTROKE_PREFIX). */
  minLength?: number;
  visitId?: string;
}

/** One keystroke-prefix canary per prefix of `typed` from minLength characters to all of it. */
export function keystrokeCanaries(typed: string, options: KeystrokeOptions = {}): Canary[] {
  const minLength = options.minLength ?? DEFAULT_KEYSTROKE_MIN_LENGTH;
  if (!Number.isInteger(minLength) || minLength < MIN_KEYSTROKE_PREFIX) {
    throw new RangeError(`keystroke minLength must be a whole number >= ${MIN_KEYSTROKE_PREFIX} (the shortest pattern the matcher searches), got ${minLength}`);
  }
  // By code point: a prefix never ends inside a surrogate pair (an emoji typed is one keystroke).
  const chars = Array.from(typed);
  const out: Canary[] = [];
  for (let n = minLength; n <= chars.length; n++) {
    const value = chars.slice(0, n).join('');
    out.push(options.visitId === undefined ? { kind: 'keystroke-prefix', value, typed } : { kind: 'keystroke-prefix', value, typed, visitId: options.visitId });
  }
  return out;
}
