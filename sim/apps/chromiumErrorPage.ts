import type { NetError } from '../net/index.js';

/**
 * The text of Chromium's net error page for the network failures a proxied load ends in: heading,
 * summary and the error code, as Chromium's error page shows them (the code without `net::`, in
 * its error-code line). Headings and summaries per code from Chromium's
 * components/error_page/common/localized_error.cc (`net_error_options`), strings from
 * components/error_page_strings.grdp (chromium/chromium, read at 048a7829 / 080485a5); a code not
 * in that table gets its default "This site can’t be reached" / "The webpage at … might be
 * temporarily down …". Certificate errors are interstitials, not this page (left to pageLoader).
 * See sim/EVIDENCE.md "Route probes and error pages".
 */
const NOT_AVAILABLE = 'This site can’t be reached';
const NO_INTERNET = 'No internet';

const PAGES: Partial<Record<NetError['kind'], (host: string, url: string) => [heading: string, summary: string]>> = {
  'proxy-unreachable': () => [NO_INTERNET, 'There is something wrong with the proxy server, or the address is incorrect.'],
  'no-network': () => [NO_INTERNET, NO_INTERNET],
  'connection-closed': (host) => [NOT_AVAILABLE, `${host} unexpectedly closed the connection.`],
  timeout: (host) => [NOT_AVAILABLE, `${host} took too long to respond.`],
  // ERR_TUNNEL_CONNECTION_FAILED is not in net_error_options: the default page.
  'tunnel-failed': (_host, url) => [NOT_AVAILABLE, `The webpage at ${url} might be temporarily down or it may have moved permanently to a new web address.`],
};

/** Chromium's error page for `error` on `url`, or undefined when this module does not render it. */
export function chromiumNetErrorPage(error: NetError, url: string): { title: string; text: string } | undefined {
  const page = PAGES[error.kind];
  if (!page) return undefined;
  let host = url;
  try {
    host = new URL(url).hostname || url;
  } catch {
    /* an unparsable URL is shown as typed */
  }
  const [heading, summary] = page(host, url.slice(0, 100));
  // The tab title of an error page is the host (unverified for Mint / Mi Browser builds).
  return { title: host, text: `${heading} ${summary} ${error.chromiumName}`.slice(0, 200) };
}
