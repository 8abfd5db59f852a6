/**
 * A synthetic capture for the benchmark: telemetry-shaped flows in the encodings seen in the wild
 * (JSON, Sensors-style form+base64+gzip, gzip Content-Encoding, protobuf, multipart uploads with
 * binary parts, hex payloads, GETs with long queries and cookies). A few flows carry a canary.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Flow, Header } from '../../harness/capture/types.js';
import type { Canary } from '../../harness/detect/index.js';
import type { RootPart } from '../../harness/detect/index.js';
// The protobuf writer the detector's tests use: one hand-written encoder for tests and bench.
import { protobufField as field, varint } from '../../test/detect/flowFixtures.js';

/** Small deterministic PRNG (xorshift32): the same corpus every run. */
class Random {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  word(): string {
    const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'po', 'qu', 'ha'];
    let w = '';
    for (let i = 0, n = 2 + this.int(3); i < n; i++) w += this.pick(syll);
    return w;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
}

export interface CorpusFlow {
  flow: Flow;
  roots: RootPart[];
  bytes: number;
}

const POOL = randomBytes(8 * 1024 * 1024);

export function makeCanaries(count: number): Canary[] {
  const r = new Random(7);
  const out: Canary[] = [];
  for (let i = 0; out.length < count; i++) {
    const k = i % 10;
    const token = 'ph' + r.hex(18);
    if (k < 3) out.push({ kind: 'visit-token', value: token });
    else if (k < 6) out.push({ kind: 'visit-url', value: `https://site${i}.example.com/${r.word()}/${r.word()}?phc=${token}` });
    else if (k < 9) out.push({ kind: 'search-term', value: `${r.word()} ${r.word()} ${r.hex(8)}` });
    else {
      const j = Math.floor(i / 10) % 5;
      if (j === 0) out.push({ kind: 'imei', value: '86' + String(1e12 + i).slice(1) + String(i % 10) });
      else if (j === 1) out.push({ kind: 'android-id', value: r.hex(16) });
      else if (j === 2) out.push({ kind: 'wifi-mac', value: r.hex(12).match(/../g)!.join(':') });
      else if (j === 3) out.push({ kind: 'phone-number', value: '+86138' + String(10_000_000 + i) });
      else out.push({ kind: 'serial', value: r.hex(10).toUpperCase() });
    }
  }
  return out;
}

function event(r: Random, leak: string | undefined): Record<string, unknown> {
  return {
    event: r.pick(['page_load_event_finish', 'search', '$AppViewScreen', 'share', 'download']),
    time: 1_588_000_000_000 + r.int(1e9),
    distinct_id: r.hex(16),
    properties: {
      url: `https://${r.word()}.example.org/${r.word()}/${r.word()}?id=${r.int(1e6)}`,
      title: `${r.word()} ${r.word()} ${r.word()}`,
      $model: 'Redmi Note 8',
      $os_version: '10',
      uuid: r.hex(32),
      ...(leak ? { ref: leak } : {}),
      blob: randomSlice(r, 30).toString('base64'),
    },
  };
}

function events(r: Random, n: number, leak: string | undefined): unknown[] {
  const leakAt = leak ? r.int(n) : -1;
  return Array.from({ length: n }, (_, i) => event(r, i === leakAt ? leak : undefined));
}

function protobufBatch(r: Random, n: number, leak: string | undefined): Buffer {
  const leakAt = leak ? r.int(n) : -1;
  const records = Array.from({ length: n }, (_, i) =>
    field(1, Buffer.concat([
      Buffer.from([0x08]), varint(r.int(1e6)),
      field(2, Buffer.from(`https://${r.word()}.example.net/${r.word()}`)),
      field(3, Buffer.from(i === leakAt ? leak! : r.hex(24))),
      field(4, randomSlice(r, 48)),
    ])),
  );
  return Buffer.concat(records);
}

function randomSlice(r: Random, n: number): Buffer {
  const at = r.int(POOL.length - n);
  return POOL.subarray(at, at + n);
}

function makeFlow(id: number, r: Random, host: string, path: string, query: string, headers: Header[], body: Buffer | undefined): Flow {
  return {
    id: `b${id}`,
    startedAt: 1_700_000_000_000 + id,
    endedAt: 1_700_000_000_000 + id + 3,
    client: { address: '127.0.0.1', port: 50000 },
    method: body ? 'POST' : 'GET',
    scheme: 'https',
    host,
    port: 443,
    path,
    query,
    httpVersion: '1.1',
    request: { headers, body: body ? { size: body.length } : { size: 0 } },
    response: { status: 204, statusMessage: 'No Content', headers: [], body: { size: 0 } },
  };
}

/** The flow's parts as the finder reads them (what LeakFinder.scanFlow builds from a stored flow). */
function rootsOf(flow: Flow, body: Buffer | undefined): RootPart[] {
  const roots: RootPart[] = [
    { label: 'host', bytes: Buffer.from(flow.host) },
    { label: 'path', bytes: Buffer.from(flow.path) },
  ];
  if (flow.query) roots.push({ label: 'query', bytes: Buffer.from(flow.query), hint: 'query' });
  for (const [n, v] of flow.request.headers) {
    const lower = n.toLowerCase();
    roots.push({ label: `header[${lower}]`, bytes: Buffer.from(v), hint: lower === 'cookie' ? 'cookie' : undefined });
  }
  if (body) {
    const ce = flow.request.headers.find(([n]) => n.toLowerCase() === 'content-encoding')?.[1];
    const ct = flow.request.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
    roots.push({ label: 'body', bytes: body, contentType: ct, contentEncodings: ce ? [ce] : undefined });
  }
  return roots;
}

/** Flows until `targetBytes` of wire bytes; every `leakEvery`-th flow carries a canary. */
/** Leaks every 41st flow: coprime with the 20 flow kinds, so every kind carries some. */
export const LEAK_EVERY = 41;

export function makeCorpus(targetBytes: number, canaries: Canary[], leakEvery = LEAK_EVERY): CorpusFlow[] {
  const r = new Random(42);
  const out: CorpusFlow[] = [];
  let total = 0;
  for (let id = 0; total < targetBytes; id++) {
    const leakCanary = id % leakEvery === 0 ? canaries[r.int(canaries.length)]! : undefined;
    const leak = leakCanary?.value;
    const ua: Header = ['User-Agent', 'Mozilla/5.0 (Linux; Android 10; Redmi Note 8) AppleWebKit/537.36 Chrome/79.0 Mobile Safari/537.36 XiaoMi/MiuiBrowser/12.1.4'];
    const kind = id % 20;
    let flow: Flow;
    let body: Buffer | undefined;
    if (kind < 5) {
      body = Buffer.from(JSON.stringify({ batch: events(r, 20 + r.int(200), leak) }));
      flow = makeFlow(id, r, 'data.mistat.intl.xiaomi.com', '/mistats/v3', '', [ua, ['Content-Type', 'application/json']], body);
    } else if (kind < 8) {
      const payload = gzipSync(JSON.stringify(events(r, 50, leak)), { level: 1 }).toString('base64');
      body = Buffer.from(`crc=${r.hex(8)}&gzip=1&data_list=${encodeURIComponent(payload)}`);
      flow = makeFlow(id, r, 'sa.api.intl.miui.com', '/sa', 'project=global_browser_mini&r=SG', [ua, ['Content-Type', 'application/x-www-form-urlencoded']], body);
    } else if (kind < 11) {
      body = gzipSync(JSON.stringify({ events: events(r, 100 + r.int(200), leak) }), { level: 1 });
      flow = makeFlow(id, r, 'tracking.intl.miui.com', '/track/v1', '', [ua, ['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], body);
    } else if (kind < 13) {
      body = protobufBatch(r, 200 + r.int(800), leak);
      flow = makeFlow(id, r, 'api.ad.intl.xiaomi.com', '/v2/batch', '', [ua, ['Content-Type', 'application/x-protobuf']], body);
    } else if (kind < 15) {
      const boundary = `----b${r.hex(16)}`;
      body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\n\r\n${JSON.stringify({ device: r.hex(16), note: leak ?? r.word() })}\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="shot.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
        randomSlice(r, 256 * 1024 + r.int(768 * 1024)),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      flow = makeFlow(id, r, 'upload.example-cdn.com', '/upload', '', [ua, ['Content-Type', `multipart/form-data; boundary=${boundary}`]], body);
    } else if (kind < 16) {
      const text = JSON.stringify(events(r, 30, leak));
      body = Buffer.from(JSON.stringify({ v: 2, payload: Buffer.from(text).toString('hex') }));
      flow = makeFlow(id, r, 'log.example-analytics.com', '/hex', '', [ua, ['Content-Type', 'application/json']], body);
    } else {
      const q = `u=${encodeURIComponent(`https://${r.word()}.example.org/${r.word()}?q=${leak ?? r.word()}`)}&sid=${r.hex(32)}&t=${r.int(1e9)}&ref=${r.word()}`;
      flow = makeFlow(id, r, 'www.google-analytics.example', '/collect', q, [ua, ['Cookie', `_ga=GA1.2.${r.int(1e9)}.${r.int(1e9)}; sid=${r.hex(32)}`], ['Referer', `https://${r.word()}.example.org/`]], undefined);
    }
    const roots = rootsOf(flow, body);
    const bytes = roots.reduce((n, x) => n + x.bytes.length, 0);
    total += bytes;
    out.push({ flow, roots, bytes });
  }
  return out;
}
