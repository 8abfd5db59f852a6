import { makeSearchTerm, makeVisitToken, placeToken } from '../detect/index.js';

/**
 * Values no server has seen before (detect/'s canary tokens), so a match in captured traffic can
 * only come from this visit.
 */
export function uniqueSearchTerm(prefix = 'phonehome'): string {
  return makeSearchTerm(prefix);
}

/** A page on `site` carrying a fresh token as a query parameter. */
export function uniqueUrl(site = 'https://news.example.org/story'): string {
  return placeToken(site, makeVisitToken(), 'query');
}

/** A file to download on `site`, named by a fresh token (`…/ph<token>.zip`): a download type by its extension. */
export function uniqueFileUrl(site = 'https://downloads.example.org/files'): string {
  return `${site.replace(/\/+$/, '')}/${makeVisitToken()}.zip`;
}

/** A host no one has resolved before, token first (`ph<token>.news.example.org`): every prefix of it typed is evidence. */
export function uniqueHost(domain = 'news.example.org'): string {
  return `${makeVisitToken()}.${domain}`;
}

/** The token uniqueUrl() put in a URL: a canary of its own, it survives URL rewriting. */
export function urlTokens(url: string): string[] {
  const token = /\bph[a-z2-7]{18}\b/.exec(url)?.[0];
  return token ? [token] : [];
}
