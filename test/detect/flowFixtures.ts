/** Builds Flow records for detector tests: what the capture sidecar writes, with inline bodies. */
import type { Flow, Header } from '../../harness/capture/types.js';
import type { PatternMatch } from '../../harness/detect/index.js';

let counter = 0;

export interface FlowSpec {
  host?: string;
  path?: string;
  query?: string;
  method?: string;
  headers?: Header[];
  body?: Buffer | string;
  startedAt?: number;
  status?: number;
  responseHeaders?: Header[];
  id?: string;
}

export function makeFlow(spec: FlowSpec = {}): Flow {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body, 'utf8') : spec.body;
  const startedAt = spec.startedAt ?? 1_700_000_000_000;
  return {
    id: spec.id ?? `flow-${++counter}`,
    startedAt,
    endedAt: startedAt + 5,
    client: { address: '127.0.0.1', port: 40000 },
    method: spec.method ?? (body ? 'POST' : 'GET'),
    scheme: 'https',
    host: spec.host ?? 'telemetry.example.net',
    port: 443,
    path: spec.path ?? '/collect',
    query: spec.query ?? '',
    httpVersion: '1.1',
    request: {
      headers: spec.headers ?? [],
      body: body ? { size: body.length, inline: body.toString('base64') } : { size: 0 },
    },
    response: { status: spec.status ?? 200, statusMessage: 'OK', headers: spec.responseHeaders ?? [], body: { size: 0 } },
  };
}

/** Deterministic bytes (xorshift32), optionally over an alphabet: the same "random" input every run. */
export function seededBytes(seed: number, n: number, alphabet?: string): Buffer {
  let s = seed >>> 0 || 1;
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = alphabet ? alphabet.charCodeAt(s % alphabet.length) : s & 0xff;
  }
  return out;
}

/** A protobuf varint (wire format), for bodies written by hand. */
export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A length-delimited protobuf field: tag (wire type 2), length, payload. */
export function protobufField(n: number, payload: Buffer | string): Buffer {
  const bytes = Buffer.from(payload);
  return Buffer.concat([varint((n << 3) | 2), varint(bytes.length), bytes]);
}

/** The obvious search: every occurrence of every pattern, overlapping ones included. */
export function indexOfAll(patterns: readonly Uint8Array[], text: Buffer): PatternMatch[] {
  const out: PatternMatch[] = [];
  patterns.forEach((p, pattern) => {
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) out.push({ pattern, start: at });
  });
  return out.sort((a, b) => a.start - b.start || a.pattern - b.pattern);
}
