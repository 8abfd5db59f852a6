/**
 * Fresh visit canaries: a random token placed in the visited URL (query parameter or path segment,
 * chosen per visit because some sites reject unknown paths) and unique search terms. Tokens use
 * lower-case base32 letters so no host, path or search box changes their case or encodes them.
 */
import { randomBytes } from 'node:crypto';
import { PhonehomeError } from '../errors.js';
import type { Canary } from './types.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const TOKEN_PREFIX = 'ph';
/** 18 random base32 characters: 90 bits, never seen by chance. */
export const TOKEN_RANDOM_CHARS = 18;
/** Query parameter that carries the token when it goes in the query. */
export const TOKEN_PARAMETER = 'phc';

function randomChars(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

export function makeVisitToken(): string {
  return TOKEN_PREFIX + randomChars(TOKEN_RANDOM_CHARS);
}

/** Two words, so '+' / '%20' encodings of the space are exercised: 'phonehome k3v9...'. */
export function makeSearchTerm(word = 'phonehome'): string {
  return `${word} ${randomChars(12)}`;
}

export type TokenPlacement = 'query' | 'path';

/** `url` with `token` added as a query parameter (default) or as a last path segment. */
export function placeToken(url: string, token: string, placement: TokenPlacement = 'query', parameter = TOKEN_PARAMETER): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PhonehomeError(`visit URL '${url}' is not an absolute URL (e.g. https://example.com/page)`);
  }
  if (placement === 'path') u.pathname = u.pathname.replace(/\/?$/, '/') + token;
  else u.searchParams.append(parameter, token);
  return u.toString();
}

export interface VisitCanaries {
  /** The URL to open, token included. */
  url: string;
  token: string;
  canaries: Canary[];
}

/**
 * Everything a visit needs: the URL with a fresh token, and its canaries (token, full URL, search
 * terms). `visitId` is written into each canary.
 */
export function newVisitCanaries(visitId: string, url: string, options: { placement?: TokenPlacement; searchTerms?: string[] } = {}): VisitCanaries {
  const token = makeVisitToken();
  const placed = placeToken(url, token, options.placement ?? 'query');
  const canaries: Canary[] = [
    { kind: 'visit-token', value: token, visitId },
    { kind: 'visit-url', value: placed, visitId },
    ...(options.searchTerms ?? []).map((value): Canary => ({ kind: 'search-term', value, visitId })),
  ];
  return { url: placed, token, canaries };
}
