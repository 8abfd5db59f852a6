import { formEscape } from './telemetry/index.js';

/** What the address bar does with typed text: open it as a URL, or search for it. */
export type AddressIntent = { kind: 'url'; url: string } | { kind: 'search'; query: string; url: string };

export const defaultSearchUrl = 'https://www.google.com/search?q=${query}';

const hostLike = /^(localhost|\[[0-9a-f:]+\]|(\d{1,3}\.){3}\d{1,3}|([a-z0-9-]+\.)+[a-z][a-z0-9-]*)(:\d{1,5})?([/?#].*)?$/i;

/**
 * Browsers treat text with a scheme, or that looks like host[:port][/path], as a URL (typed hosts
 * get http://, as 2020-era browsers did); anything else is a search with the app's engine, the
 * query form-encoded (spaces as '+', as in the published Mint search URL).
 */
export function interpretAddress(input: string, searchUrl: string | undefined): AddressIntent {
  const text = input.trim();
  if (/^https?:\/\//i.test(text) || /^about:/i.test(text)) {
    try {
      return { kind: 'url', url: new URL(text).href };
    } catch {
      // falls through to search, as a browser would for an unparsable "URL"
    }
  } else if (!/\s/.test(text) && hostLike.test(text)) {
    try {
      return { kind: 'url', url: new URL(`http://${text}`).href };
    } catch {
      // search instead
    }
  }
  const template = searchUrl ?? defaultSearchUrl;
  return { kind: 'search', query: text, url: template.replace('${query}', formEscape(text)) };
}
