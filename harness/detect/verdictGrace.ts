/**
 * How long a visit's window stays open after it ends: telemetry sent within it is 'high'
 * confidence, a redirect within it is still first party, and `not-leaked` needs the capture seen
 * healthy through it. One value for `phonehome detect`, the report and the scenario assertions, so
 * they never disagree on the same bytes. Short because a run waits for the phone's traffic to go
 * quiet after each visit; a leak sent later is still a leak (at 'medium' confidence).
 */
export const VERDICT_GRACE_MS = 2000;
