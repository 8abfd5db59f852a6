/**
 * Is the browser showing its network error page instead of the page? Read from the screen (the
 * UiAutomator2 page source, through the WebdriverIO session) after a visit. Every Chromium-based
 * browser names the net error on the page: Chromium's net error pages print the error code
 * (`ERR_PROXY_CONNECTION_FAILED`), its certificate interstitials print it as `NET::ERR_CERT_…`, and
 * Android WebView's "Webpage not available" page prints `net::ERR_…`. So detection keys on the
 * code, which is stable, not on headings, which are translated and reworded between versions. The
 * codes are Chromium's own names (net/base/net_error_list.h). A page that merely mentions such a
 * code is taken for an error page too: that errs toward `unobservable`, never toward a clean verdict.
 *
 * Used by drive/browserSession.ts after each visit; one small module so device/provision and other
 * drivers (certificate checks on real phones) can call it too.
 */

/** What was on screen: the Chromium net error code and the text shown around it (clipped). */
export interface ErrorPage {
  code: string;
  text: string;
}

/**
 * Chromium net errors a page load through a proxy can end in (net/base/net_error_list.h): the
 * connection, proxy, name-resolution, TLS and certificate families, and a few response errors.
 */
export const CHROMIUM_PAGE_ERRORS: ReadonlySet<string> = new Set([
  'ERR_TIMED_OUT',
  'ERR_NETWORK_CHANGED',
  'ERR_ACCESS_DENIED',
  'ERR_BLOCKED_BY_CLIENT',
  'ERR_CLEARTEXT_NOT_PERMITTED',
  'ERR_CONNECTION_CLOSED',
  'ERR_CONNECTION_RESET',
  'ERR_CONNECTION_REFUSED',
  'ERR_CONNECTION_ABORTED',
  'ERR_CONNECTION_FAILED',
  'ERR_NAME_NOT_RESOLVED',
  'ERR_INTERNET_DISCONNECTED',
  'ERR_SSL_PROTOCOL_ERROR',
  'ERR_ADDRESS_INVALID',
  'ERR_ADDRESS_UNREACHABLE',
  'ERR_TUNNEL_CONNECTION_FAILED',
  'ERR_NO_SSL_VERSIONS_ENABLED',
  'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
  'ERR_BAD_SSL_CLIENT_AUTH_CERT',
  'ERR_CONNECTION_TIMED_OUT',
  'ERR_SOCKS_CONNECTION_FAILED',
  'ERR_PROXY_CONNECTION_FAILED',
  'ERR_MANDATORY_PROXY_CONFIGURATION_FAILED',
  'ERR_PROXY_CERTIFICATE_INVALID',
  'ERR_NAME_RESOLUTION_FAILED',
  'ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN',
  'ERR_CERT_COMMON_NAME_INVALID',
  'ERR_CERT_DATE_INVALID',
  'ERR_CERT_AUTHORITY_INVALID',
  'ERR_CERT_CONTAINS_ERRORS',
  'ERR_CERT_NO_REVOCATION_MECHANISM',
  'ERR_CERT_UNABLE_TO_CHECK_REVOCATION',
  'ERR_CERT_REVOKED',
  'ERR_CERT_INVALID',
  'ERR_CERT_WEAK_SIGNATURE_ALGORITHM',
  'ERR_CERT_NON_UNIQUE_NAME',
  'ERR_CERT_WEAK_KEY',
  'ERR_CERT_NAME_CONSTRAINT_VIOLATION',
  'ERR_CERT_VALIDITY_TOO_LONG',
  'ERR_CERTIFICATE_TRANSPARENCY_REQUIRED',
  'ERR_CERT_SYMANTEC_LEGACY',
  'ERR_CERT_KNOWN_INTERCEPTION_BLOCKED',
  'ERR_INVALID_URL',
  'ERR_UNSAFE_PORT',
  'ERR_TOO_MANY_REDIRECTS',
  'ERR_EMPTY_RESPONSE',
  'ERR_INVALID_RESPONSE',
  'ERR_INVALID_HTTP_RESPONSE',
  'ERR_RESPONSE_HEADERS_TRUNCATED',
  'ERR_HTTP2_PROTOCOL_ERROR',
  'ERR_QUIC_PROTOCOL_ERROR',
  'ERR_NO_SUPPORTED_PROXIES',
  'ERR_FILE_TOO_BIG',
]);

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The texts a person sees in a UiAutomator2 page source (text and content-desc attributes), in order. */
export function screenTexts(pageSource: string): string[] {
  const out: string[] = [];
  for (const m of pageSource.matchAll(/\s(?:text|content-desc)="([^"]*)"/g)) {
    const value = unescapeXml(m[1]!).replace(/\s+/g, ' ').trim();
    if (value) out.push(value);
  }
  return out;
}

const CODE = /(?:\b(?:net|NET)::)?\b(ERR_[A-Z0-9_]{3,60})\b/;

/**
 * The error page on screen, if any: the first text carrying a Chromium net error code (a known
 * one, or any `net::ERR_…` / `NET::ERR_…` as error pages print them), with the texts of the page
 * around it (at most 300 characters) as evidence.
 */
export function findErrorPage(pageSource: string): ErrorPage | undefined {
  const texts = screenTexts(pageSource);
  for (let i = 0; i < texts.length; i++) {
    for (const m of texts[i]!.matchAll(new RegExp(CODE.source, 'g'))) {
      const code = m[1]!;
      const prefixed = m[0] !== code;
      if (!CHROMIUM_PAGE_ERRORS.has(code) && !prefixed) continue;
      const around = texts.slice(Math.max(0, i - 3), i + 2).join(' · ');
      return { code, text: around.length > 300 ? `${around.slice(0, 297)}...` : around };
    }
  }
  return undefined;
}
