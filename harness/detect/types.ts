/** Types at the detector's boundary: what the harness hands it (Visit, Canary) and what it returns. */

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
  | 'imsi'
  | 'model' // low entropy: context only, never a finding on its own
  | 'android-release' // low entropy: context only
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
}

export type Party = 'first-party' | 'third-party';

export interface Finding {
  canary: Canary;
  flowId: string;
  host: string;
  ip?: string;
  path: string;
  party: Party;
  /** Decoding chain that exposed it, e.g. ['body', 'form[data_list]', 'base64', 'gzip', 'json[0].url']. */
  chain: string[];
  /** Decoded text around the match; match located by offsets into excerpt. */
  excerpt: { text: string; start: number; end: number };
  /** 'high' when the flow falls inside the visit window (+ grace), 'medium' when it is later. */
  confidence?: 'high' | 'medium';
  /** The form of the canary that matched, when not its value as given (e.g. '86753091234567 (IMEI without check digit)'). */
  form?: string;
  /** Low-entropy identifiers (model, Android release) seen in the same flow, e.g. 'model: Redmi Note 8'. */
  context?: string[];
  /** Flow start, ms since epoch (lets reports order findings without the flow). */
  time?: number;
}

/** A flow (or part of one) the detector could not fully decode: counts as a blind spot for verdicts. */
export interface Undecodable {
  flowId: string;
  host: string;
  time: number;
  /** Where in the flow, e.g. ['body', 'gzip']. */
  chain: string[];
  /** Which bound or format failure, e.g. 'gzip: unexpected end of file'. */
  reason: string;
}

export type Verdict =
  | { visitId: string; verdict: 'leaked'; hosts: string[]; findings: Finding[] }
  | { visitId: string; verdict: 'not-leaked' }
  | { visitId: string; verdict: 'unobservable'; reasons: string[] };
