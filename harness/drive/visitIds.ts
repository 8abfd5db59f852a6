import { randomBytes } from 'node:crypto';

/** A Visit id unique across runs and phones: time-ordered, with random bits. */
export function newVisitId(): string {
  return `v${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
