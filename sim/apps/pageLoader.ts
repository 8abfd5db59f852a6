import { decodeContentEncoding, NetError, type NetworkStack } from '../net/index.js';
import { chromiumNetErrorPage } from './chromiumErrorPage.js';
import { readPage } from './pageText.js';

/** A page as the browser shows it after a load (or its error page). */
export interface LoadedPage {
  /** What was asked for (typed URL or search URL). */
  requestedUrl: string;
  /** After redirects. */
  url: string;
  status: number | null;
  title: string;
  /** Visible text, first 200 characters. */
  text: string;
  /** Set when the load failed: Chromium's error name, e.g. ERR_CERT_AUTHORITY_INVALID. */
  error?: string;
  /** Set when the answer is a file to download, not a page (downloadOf): the tab keeps its page. */
  download?: { fileName: string; mimeType: string };
}

/** Types a browser does not render: the answer is a download (with the common Android ones). */
const DOWNLOAD_TYPES = new Set(['application/octet-stream', 'application/zip', 'application/vnd.android.package-archive', 'application/x-zip-compressed']);

/**
 * Whether an answer is a download, as Chromium decides it: `Content-Disposition: attachment`
 * (RFC 6266 §4.2: the recipient should prompt to save it) or a MIME type it cannot render
 * (Chromium's MimeSniffingThrottle / DownloadUtils send those to the download manager). The file
 * name is the disposition's `filename`, else the last segment of the URL's path.
 */
export function downloadOf(url: string, contentType: string | undefined, disposition: string | undefined): { fileName: string; mimeType: string } | undefined {
  const mimeType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const attachment = /^\s*attachment\b/i.test(disposition ?? '');
  if (!attachment && !DOWNLOAD_TYPES.has(mimeType)) return undefined;
  const named = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition ?? '')?.[1]?.trim();
  let fromPath = '';
  try {
    fromPath = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    fromPath = '';
  }
  return { fileName: (named || fromPath || 'download').slice(0, 255), mimeType: mimeType || 'application/octet-stream' };
}

export interface PageLoadOptions {
  userAgent: string;
  trustsUserCAs: boolean;
  logTag: string;
  pid?: number;
  maxRedirects?: number;
  /** Chromium's --ignore-certificate-errors-spki-list from the app's command line. */
  ignoreCertErrorsSpki?: readonly string[];
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * Loads a page the way the browser's Chromium does: GET with the app's headers through the phone's
 * network stack, following up to 10 redirects, undoing Content-Encoding, then reading <title> and
 * text. A failure becomes Chromium's error page, never a clear-text retry.
 */
export async function loadPage(net: NetworkStack, requestedUrl: string, options: PageLoadOptions): Promise<LoadedPage> {
  if (/^about:/i.test(requestedUrl)) return { requestedUrl, url: requestedUrl, status: null, title: '', text: '' };
  const maxRedirects = options.maxRedirects ?? 10;
  let url = requestedUrl;
  try {
    for (let hop = 0; ; hop++) {
      const response = await net.request({
        url,
        method: 'GET',
        headers: [
          ['Connection', 'keep-alive'],
          ['Upgrade-Insecure-Requests', '1'],
          ['User-Agent', options.userAgent],
          ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8'],
          ['Accept-Encoding', 'gzip, deflate'],
          ['Accept-Language', 'en-US,en;q=0.9'],
        ],
        trustsUserCAs: options.trustsUserCAs,
        userAgent: options.userAgent,
        client: 'chromium',
        logTag: options.logTag,
        pid: options.pid,
        ...(options.ignoreCertErrorsSpki ? { ignoreCertErrorsSpki: options.ignoreCertErrorsSpki } : {}),
      });
      const header = (name: string) => response.headers.find(([k]) => k.toLowerCase() === name)?.[1];
      const location = header('location');
      if (redirectStatuses.has(response.status) && location) {
        if (hop >= maxRedirects) throw new NetError('too-many-redirects', `more than ${maxRedirects} redirects from ${requestedUrl}`);
        try {
          url = new URL(location, url).href;
        } catch {
          throw new NetError('invalid-response', `redirect to an invalid Location '${location.slice(0, 200)}'`);
        }
        continue;
      }
      const download = downloadOf(url, header('content-type'), header('content-disposition'));
      if (download) return { requestedUrl, url, status: response.status, title: download.fileName, text: '', download };
      const body = decodeContentEncoding(response.body, header('content-encoding'), MAX_PAGE_BYTES);
      const contentType = header('content-type') ?? 'text/html';
      const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase();
      const text = body.toString(charset === 'iso-8859-1' || charset === 'latin1' || charset === 'windows-1252' ? 'latin1' : 'utf8');
      const html = /html|xml/i.test(contentType);
      const read = html ? readPage(text) : { title: null, text: text.slice(0, 4000).replace(/\s+/g, ' ').trim().slice(0, 200) };
      return { requestedUrl, url, status: response.status, title: read.title ?? url.replace(/^https?:\/\//, ''), text: read.text };
    }
  } catch (error) {
    const netError = error instanceof NetError ? error : new NetError('connection-closed', String(error));
    // Network failures: Chromium's net error page (chromiumErrorPage.ts); the rest as before.
    const chromium = chromiumNetErrorPage(netError, url);
    if (chromium) return { requestedUrl, url, status: null, ...chromium, error: netError.chromiumName };
    return {
      requestedUrl,
      url,
      status: null,
      title: 'Webpage not available',
      text: `The webpage at ${url.slice(0, 100)} could not be loaded because: net::${netError.chromiumName}`.slice(0, 200),
      error: netError.chromiumName,
    };
  }
}
