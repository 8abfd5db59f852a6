/**
 * The on-disk capture format: the contract between the capture sidecar (writer) and detect/,
 * report/ and HAR export (readers). A capture folder holds:
 *
 *   flows.jsonl       one Flow per line, appended when the exchange completes (or fails); a WebSocket
 *                     is written as it happens instead: its Flow when the upgrade is accepted, then one
 *                     WebSocketMessageRecord per message and a WebSocketCloseRecord at the end (readFlows
 *                     joins them back into one Flow, so a SIGKILL loses no message already relayed)
 *   bodies/           bodies larger than INLINE_BODY_LIMIT, referenced by BodyRef.file (+ .offset): a
 *                     file each, or a range of a shared blob-*.bin file
 *   blindspots.jsonl  one BlindSpot per line: traffic the capture could not see
 *   markers.jsonl     one Marker per line: capture lifecycle + heartbeats, and harness markers (visits)
 *
 * Every file is append-only JSON Lines; a reader must tolerate a torn last line (SIGKILL mid-write).
 */

/** File names inside a capture folder (see above). */
export const CAPTURE_FILES = {
  flows: 'flows.jsonl',
  bodies: 'bodies',
  blindSpots: 'blindspots.jsonl',
  markers: 'markers.jsonl',
} as const;

/** Bodies up to this many bytes are stored inline (base64) in the flow line; larger ones go to bodies/. */
export const INLINE_BODY_LIMIT = 64 * 1024;

/** A raw (undecoded) body. Exactly one of `inline` / `file` is set when size > 0. */
export interface BodyRef {
  /** Bytes as received on the wire (still content-encoded: gzip/brotli stays compressed). */
  size: number;
  /** base64 of the raw bytes, when size <= INLINE_BODY_LIMIT. */
  inline?: string;
  /** Path relative to the capture folder, e.g. `bodies/<flowId>.req`, or a shared blob file (see `offset`). */
  file?: string;
  /**
   * Where the body starts in `file` when that file holds many bodies (`bodies/blob-*.bin`): the
   * body is the `size` bytes from there. Absent: the body is the whole file. Use readBody().
   */
  offset?: number;
  /** True when the capture stopped storing the body (client aborted, size cap). */
  truncated?: boolean;
}

export type Header = [name: string, value: string];

/**
 * One side of a TLS connection as negotiated: protocol version (`TLSv1.3`), cipher suite (OpenSSL
 * / IANA name as Node reports it), the ALPN protocol agreed (absent: none was), and the SNI name
 * (absent: the client sent none).
 */
export interface TlsDetails {
  version?: string;
  cipher?: string;
  alpn?: string;
  sni?: string;
}

/** The sidecar's own exchange with the real server, in live mode. */
export interface UpstreamSide {
  /** HTTP version the sidecar sent its request in: '1.0', '1.1' or '2'. */
  httpVersion: string;
  /** The version the server's response line gave, when it differs (an HTTP/1.1 server answers a 1.0 request as 1.1). */
  responseVersion?: string;
  /** The upstream TLS connection; absent for plain HTTP. */
  tls?: TlsDetails;
}

export interface WebSocketMessage {
  direction: 'sent' | 'received'; // sent = client -> server
  at: number; // ms since epoch
  binary: boolean;
  body: BodyRef;
}

export interface Flow {
  /** Unique within the folder; stable (used by findings and HAR). */
  id: string;
  /** Request start and response end, ms since epoch. */
  startedAt: number;
  endedAt: number;
  client: { address: string; port: number };
  method: string;
  scheme: 'http' | 'https' | 'ws' | 'wss';
  host: string;
  port: number;
  /** Path without the query, as sent (still percent-encoded). */
  path: string;
  /** Raw query string without the leading '?', '' when none. */
  query: string;
  /** The client's HTTP version: '1.0', '1.1', '2'. The sidecar answers it in the same version. */
  httpVersion: string;
  /** `trailers`: trailer fields after the body (HTTP/1.1 chunked, HTTP/2 trailing HEADERS), when any came. */
  request: { headers: Header[]; body: BodyRef; trailers?: Header[] };
  /** Absent when no response was received (see `error`). */
  response?: { status: number; statusMessage: string; headers: Header[]; body: BodyRef; trailers?: Header[] };
  /** The client's TLS connection to the sidecar (HTTPS and WSS flows). */
  tls?: TlsDetails;
  /** Upstream address actually contacted, in live mode. */
  upstreamIp?: string;
  /** How the sidecar spoke to the real server, in live mode (absent when no upstream was reached). */
  upstream?: UpstreamSide;
  /**
   * WebSocket messages in the order they passed. `open` is true on the line written when the socket
   * opened, and stays true in what readFlows yields when no close followed (capture killed or still
   * running): the messages then are those recorded so far.
   */
  websocket?: { messages: WebSocketMessage[]; open?: boolean };
  error?: string;
}

/**
 * The flows.jsonl lines of an open WebSocket (see the layout above). Each names its flow by
 * `flowId`; `record` tells them from Flow lines, which have no `record` field.
 */
export interface WebSocketMessageRecord {
  record: 'ws-message';
  flowId: string;
  message: WebSocketMessage;
}

export interface WebSocketCloseRecord {
  record: 'ws-close';
  flowId: string;
  /** When the socket closed (or the capture gave up on it), ms since epoch. */
  endedAt: number;
  /** Why it ended abnormally (capture stopped, connection dropped, messages not stored …). */
  error?: string;
}

/** Any line of flows.jsonl. */
export type FlowsFileRecord = Flow | WebSocketMessageRecord | WebSocketCloseRecord;

export type BlindSpotReason =
  | 'tls-rejected' // the client refused our certificate (untrusted CA, pinning)
  | 'tls-handshake-failed' // other handshake failure
  | 'capture-down' // the sidecar was not running / not healthy
  | 'undecodable' // a body over a decoding bound (written by detect/, not the sidecar)
  | 'device-lost' // the phone dropped during the window (written by the harness)
  | 'client-error' // a connection the proxy could not parse
  | 'flow-cut-off' // the last flows.jsonl line was cut off mid-write (capture killed): found by the reader
  | 'preflight-unfollowed' // a CORS preflight whose request never came (written by detect/): the browser withheld it
  | 'error-page'; // the visit's page showed the browser's network error page (read from the screen by drive/; detect/ makes it from the Visit)

export interface BlindSpot {
  id: string;
  time: number; // ms since epoch
  reason: BlindSpotReason;
  /** SNI / host name the client was trying to reach, when known. */
  host?: string;
  client?: { address: string; port: number };
  /** The flow this blind spot concerns, when there is one (undecodable bodies). */
  flowId?: string;
  /** The visit this blind spot concerns (error-page): it blinds that visit, not the visits before it. */
  visitId?: string;
  detail?: string;
}

/**
 * Markers: the sidecar writes `capture-start`, a `capture-heartbeat` every HEARTBEAT_MS while it is
 * healthy, and `capture-stop`; a gap in heartbeats means the capture was down. The harness writes
 * visit markers so detect/ can relate flows to visits.
 */
export const HEARTBEAT_MS = 1000;

export type MarkerKind =
  | 'capture-start'
  | 'capture-heartbeat'
  | 'capture-stop'
  | 'visit-start'
  | 'visit-end'
  | 'run-start'
  | 'run-end'
  | 'route-probe' // a probe the phone sent through its route to the capture (routeProbe.ts): data {token, ok, ms, route, error?}
  | 'note';

export interface Marker {
  time: number; // ms since epoch
  kind: MarkerKind;
  /** For visit markers: the Visit id. */
  visitId?: string;
  /** Free-form details (for visit-start: the Visit record; for capture-start: port, mode, pid). */
  data?: Record<string, unknown>;
}
