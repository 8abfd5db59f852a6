import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { CAPTURE_FILES, readMarkers, type BlindSpot } from '../capture/index.js';

/**
 * Marks a lost phone's capture as blind for every visit of the lost attempt: a `device-lost` blind
 * spot at each visit started since `since`, and one at `now`. The phone may have died before its
 * telemetry left it, so those visits must come out `unobservable`, never `not-leaked`. One
 * append of whole lines, beside the sidecar's own (O_APPEND keeps lines whole).
 */
export async function markVisitsLost(captureDir: string, since: number, reason: string, now: number = Date.now()): Promise<number> {
  const markers = await readMarkers(captureDir).catch(() => []);
  const times = markers.filter((m) => m.kind === 'visit-start' && m.time >= since).map((m) => m.time);
  const spots: BlindSpot[] = [...times, now].map((time) => ({
    id: `lost-${randomBytes(6).toString('hex')}`,
    time,
    reason: 'device-lost',
    detail: `the phone was lost during this attempt (${reason}); its visits are unobservable`,
  }));
  await appendFile(path.join(captureDir, CAPTURE_FILES.blindSpots), spots.map((s) => JSON.stringify(s) + '\n').join(''));
  return times.length;
}
