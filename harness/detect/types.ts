/** Types at the detector's boundary: what the harness hands it (Visit, Canary) and what it returns. */

export type { BrowserEvent, BrowserMode, CanaryKind, Canary, Visit } from '../visit.js';
import type { Canary } from '../visit.js';
import type { TlsDetails, UpstreamSide } from '../capture/types.js';

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
  /** How the flow travelled: the client's HTTP version and TLS, and the sidecar's upstream side in live mode. */
  connection?: FlowConnection;
}

/** The connection facts of a finding's flow, copied from it so reports need not reopen the capture. */
export interface FlowConnection {
  httpVersion: string;
  tls?: TlsDetails;
  upstream?: UpstreamSide;
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
