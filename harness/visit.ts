/**
 * A Visit and its canaries: the records that cross the layers. device/ reads identifiers as
 * canaries, drive/ makes a Visit per page it opens, detect/ searches flows for their canaries,
 * report/ stores them. They live here, below every layer (like errors.ts), so each of those layers
 * can name them while its imports still point down (DESIGN.md "Arrows point down only").
 */

export type BrowserMode = 'normal' | 'incognito';

export type CanaryKind =
  | 'visit-token' // random token placed in a visited URL
  | 'visit-url' // the full visited URL
  | 'search-term' // a unique search term typed by the harness
  | 'keystroke-prefix' // a prefix of a term or URL typed letter by letter (keystrokeCanaries.ts)
  | 'imei'
  | 'meid'
  | 'android-id'
  | 'serial'
  | 'phone-number'
  | 'wifi-mac'
  | 'contact-number'
  | 'sms-sender' // the number of the sender of an SMS the harness had delivered
  | 'carrier-name' // low entropy (the operator's name, gsm.operator.alpha): context only
  | 'imsi'
  | 'model' // low entropy: context only, never a finding on its own
  | 'android-release' // low entropy: context only
  | 'screen-name' // a folder, home screen, shade or Settings page name the harness read off the phone's screen (drive/systemUi.ts)
  | 'custom'; // a value given on the command line without a kind

export interface Canary {
  kind: CanaryKind;
  value: string;
  /** The Visit this canary belongs to (visit canaries), absent for device identifiers. */
  visitId?: string;
  /** Device the identifier was read from. */
  device?: string;
  /** keystroke-prefix: the whole text typed, of which value is a prefix. */
  typed?: string;
}

export interface Visit {
  id: string;
  device: string;
  browser: string; // browser profile name, e.g. 'mint'
  version?: string; // app version on the phone
  mode: BrowserMode;
  url: string;
  /** Search terms typed during the visit, if it was a search. */
  searchTerms?: string[];
  /**
   * Text typed letter by letter (Leith's method): every prefix from `keystrokeMinLength` on is a
   * canary of kind keystroke-prefix, since browsers with server-side autocomplete send each keystroke.
   */
  typedLetterByLetter?: string[];
  /** Shortest prefix of typedLetterByLetter searched (default DEFAULT_KEYSTROKE_MIN_LENGTH). */
  keystrokeMinLength?: number;
  canaries: Canary[];
  t0: number; // ms since epoch
  t1: number;
  /**
   * The browser showed its network error page after the visit (drive/errorPage.ts read it from the
   * screen): Chromium's error code (e.g. ERR_PROXY_CONNECTION_FAILED) and the text shown. The page
   * never loaded through the capture, so the visit is a blind spot (reason 'error-page').
   */
  errorPage?: { code: string; text: string; time?: number };
  /**
   * A browser event other than a page visit (issue #16): 'news-feed' (the start page's feed shown;
   * its items' titles are the canaries), 'share' (the page shared from the menu), 'download' (a file
   * the browser was told to download). Absent: a visit, search or typed address.
   */
  event?: BrowserEvent;
}

export type BrowserEvent = 'news-feed' | 'share' | 'download';
