/**
 * The leak finder: every canary (visit tokens, URLs, search terms, device identifiers) in every
 * encoded variant, searched in one pass per decoded layer of each flow's URL, headers and body.
 * Feed it flows (`add`), then take the findings (`result`): party is settled at the end, once every
 * redirect of the run is known, because telemetry is often sent long after the visit.
 */
import type { BodyRef, Flow, Header } from '../capture/types.js';
import { PhonehomeError } from '../errors.js';
import { encodedVariants, PLUS_AS_SPACE } from './canaryVariants.js';
import { chainAt, LayerDecoder, touchesChange, type DecodeBounds, type Layer, type RootPart } from './flowLayers.js';
import { canaryForms, CONTEXT_KINDS } from './identifierForms.js';
import { keystrokeCanaries } from './keystrokeCanaries.js';
import { FirstPartyResolver } from './party.js';
import { MultiPatternMatcher, MIN_PATTERN_BYTES, type MatcherTables, type PatternMatch } from './patternMatcher.js';
import { ScanPool, type PoolFinderOptions } from './scanPool.js';
import type { Canary, Finding, Undecodable, Visit } from './types.js';
import { VERDICT_GRACE_MS } from './verdictGrace.js';

const EXCERPT_CONTEXT = 40;
/** Flows handed to each worker ahead of the one being recorded: keeps both threads busy, memory bounded. */
const IN_FLIGHT_PER_WORKER = 8;
const NO_MATCHES: readonly PatternMatch[] = Object.freeze([]);

export type BodyReader = (ref: BodyRef) => Promise<Buffer>;

export interface LeakFinderOptions {
  /** Visits: their canaries are searched, and their URLs (and redirects) define the first party. */
  visits?: Visit[];
  /** Further canaries: device identifiers, custom values. Visit canaries may be given here too. */
  canaries?: Canary[];
  /** Reads bodies stored in files (the capture folder's readBody); inline bodies need none. */
  readBody?: BodyReader;
  bounds?: Partial<DecodeBounds>;
  /** Added to each visit's end for first-party redirects and confidence; default 10 s. */
  graceMs?: number;
  /** Domains that count as first party for every canary (e.g. the phone maker's own update server). */
  firstPartyDomains?: string[];
  /** How patterns are searched; default one multi-pattern pass. The benchmark swaps in its naive baseline. */
  scanner?: (patterns: readonly Uint8Array[]) => PatternScanner;
  /**
   * Threads for addAll (default 1: scan on this thread). The pattern tables are built once, here,
   * on SharedArrayBuffers, and every worker reads them; findings are the same, in the same order.
   */
  workers?: number;
  /** Tables built by another finder with the same visits and canaries (a worker gets its pool's). */
  matcherTables?: MatcherTables;
}

/** Finds every occurrence of every pattern in a buffer, in text order (MultiPatternMatcher is the real one). */
export interface PatternScanner {
  scan(text: Uint8Array): PatternMatch[];
}

export interface FlowScan {
  findings: Finding[];
  undecodable: Undecodable[];
  /** Bytes of URL, headers and bodies read (before decoding). */
  bytes: number;
}

export interface LeakReport {
  findings: Finding[];
  undecodable: Undecodable[];
  flows: number;
  bytes: number;
}

interface PatternInfo {
  canary: number;
  /**
   * Canaries that are one piece of evidence: the canary itself, or all keystroke prefixes of one
   * typed text (a longer prefix found at a place, or decoded deeper, stands for the shorter ones).
   */
  group: number;
  encoding: string[];
  /** The '+'-for-space variant. */
  plusAsSpace: boolean;
  form: string;
  contextOnly: boolean;
}

interface Hit {
  info: PatternInfo;
  layer: Layer;
  start: number;
  end: number;
}

const PHONE_KINDS = new Set(['phone-number', 'contact-number', 'sms-sender']);
/** Labels of form, query and cookie fields (their values are decoded with '+' as a space). */
const FIELD_LABEL = /^(?:form|query|cookie)\[/;

/** Visit canaries with the visit id set, plus the URL and search terms when the visit did not list them. */
export function visitCanaries(visit: Visit): Canary[] {
  const out: Canary[] = visit.canaries.map((c) => ({ ...c, visitId: visit.id }));
  const has = (kind: string, value: string) => out.some((c) => c.kind === kind && c.value === value);
  if (visit.url && !has('visit-url', visit.url)) out.push({ kind: 'visit-url', value: visit.url, visitId: visit.id });
  for (const term of visit.searchTerms ?? []) if (!has('search-term', term)) out.push({ kind: 'search-term', value: term, visitId: visit.id });
  for (const typed of visit.typedLetterByLetter ?? []) {
    for (const c of keystrokeCanaries(typed, { minLength: visit.keystrokeMinLength, visitId: visit.id })) if (!has(c.kind, c.value)) out.push(c);
  }
  return out;
}

function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g, '·').replace(/[\r\n\t]/g, ' ');
}

function excerptOf(bytes: Buffer, start: number, end: number): Finding['excerpt'] {
  const before = sanitize(bytes.toString('utf8', Math.max(0, start - EXCERPT_CONTEXT), start));
  const match = sanitize(bytes.toString('utf8', start, end));
  const after = sanitize(bytes.toString('utf8', end, Math.min(bytes.length, end + EXCERPT_CONTEXT)));
  return { text: before + match + after, start: before.length, end: before.length + match.length };
}

function header(headers: Header[], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** Whether a buffer holds any pattern (the base64 decoder's test), closing over the matcher alone. */
function holdsPatternOf(matcher: PatternScanner): (bytes: Uint8Array) => boolean {
  return (bytes) => matcher.scan(bytes).length > 0;
}

export class LeakFinder {
  readonly canaries: readonly Canary[];
  readonly graceMs: number;
  readonly #visits = new Map<string, Visit>();
  readonly #patterns: PatternInfo[] = [];
  readonly #matcher: PatternScanner;
  /** Byte length of each pattern (the Buffers themselves are dropped once the matcher is built). */
  readonly #lengths: Int32Array;
  readonly #decoder: LayerDecoder;
  readonly #party: FirstPartyResolver;
  readonly #firstParty: ReadonlySet<string>;
  readonly #releases: string[];
  readonly #readBody?: BodyReader;
  readonly #findings: Finding[] = [];
  readonly #workers: number;
  readonly #poolOptions: PoolFinderOptions;
  readonly #undecodable: Undecodable[] = [];
  #flows = 0;
  #bytes = 0;

  constructor(options: LeakFinderOptions) {
    this.graceMs = options.graceMs ?? VERDICT_GRACE_MS;
    this.#readBody = options.readBody;
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new PhonehomeError(`workers must be a whole number >= 1, got ${workers}`);
    if (workers > 1 && options.scanner) throw new PhonehomeError('a custom scanner cannot run on worker threads; use workers: 1 with it');
    this.#workers = workers;
    this.#poolOptions = { visits: options.visits, canaries: options.canaries, bounds: options.bounds, graceMs: options.graceMs, firstPartyDomains: options.firstPartyDomains };
    const canaries: Canary[] = [];
    const seen = new Set<string>();
    const push = (c: Canary) => {
      const key = `${c.kind}\u0000${c.value}\u0000${c.visitId ?? ''}`;
      if (!seen.has(key)) {
        seen.add(key);
        canaries.push(c);
      }
    };
    for (const v of options.visits ?? []) {
      if (this.#visits.has(v.id)) throw new PhonehomeError(`visit id '${v.id}' appears twice; visit ids must be unique within a run`);
      this.#visits.set(v.id, v);
      visitCanaries(v).forEach(push);
    }
    for (const c of options.canaries ?? []) {
      if (c.visitId !== undefined && !this.#visits.has(c.visitId)) {
        throw new PhonehomeError(`canary '${c.value}' names visit '${c.visitId}', which is not among the visits given; pass that visit too`);
      }
      push(c);
    }
    this.canaries = canaries;
    const patterns: Buffer[] = [];
    const releases: string[] = [];
    const typedGroups = new Map<string, number>();
    // One array per distinct encoding chain ('base64', 'sha256-base64'...), shared by every pattern
    // with it: 214,427 patterns at 10,000 canaries had an array each.
    const chains = new Map<string, string[]>();
    const chain = (encoding: string[]) => {
      const key = encoding.join('\u0000');
      let shared = chains.get(key);
      if (!shared) chains.set(key, (shared = encoding));
      return shared;
    };
    canaries.forEach((canary, index) => {
      const contextOnly = CONTEXT_KINDS.has(canary.kind);
      let group = index;
      if (canary.kind === 'keystroke-prefix') {
        const key = `${canary.typed ?? canary.value}\u0000${canary.visitId ?? ''}`;
        group = typedGroups.get(key) ?? index;
        typedGroups.set(key, group);
      }
      for (const form of canaryForms(canary)) {
        if (contextOnly) {
          // Low entropy: the plain form only, and only as context.
          if (canary.kind === 'android-release' || Buffer.byteLength(form.text) < MIN_PATTERN_BYTES) releases.push(form.text);
          else {
            patterns.push(Buffer.from(form.text, 'utf8'));
            this.#patterns.push({ canary: index, group, encoding: chain([]), plusAsSpace: false, form: form.text, contextOnly });
          }
          continue;
        }
        for (const variant of encodedVariants(form.text)) {
          patterns.push(variant.bytes);
          this.#patterns.push({ canary: index, group, encoding: chain(variant.encoding), plusAsSpace: variant.encoding[0] === PLUS_AS_SPACE, form: form.note ? `${form.text} (${form.note})` : form.text, contextOnly });
        }
      }
    });
    this.#releases = releases;
    this.#lengths = Int32Array.from(patterns, (p) => p.length);
    this.#matcher = options.scanner ? options.scanner(patterns) : new MultiPatternMatcher(patterns, { shared: workers > 1, tables: options.matcherTables });
    const needsPlus = canaries.some((c) => !CONTEXT_KINDS.has(c.kind) && /\s/.test(c.value));
    const needsDigits = canaries.some((c) => PHONE_KINDS.has(c.kind));
    const matcher = this.#matcher;
    // Made outside this constructor: a closure here would keep its whole scope alive, pattern Buffers included.
    this.#decoder = new LayerDecoder({ bounds: options.bounds, plusViews: needsPlus, digitsViews: needsDigits, holdsPattern: holdsPatternOf(matcher) });
    this.#party = new FirstPartyResolver(this.graceMs);
    this.#firstParty = new Set((options.firstPartyDomains ?? []).map((d) => d.toLowerCase()));
  }

  /** The matcher's built tables (SharedArrayBuffers when built for workers), or undefined with a custom scanner. */
  get matcherTables(): MatcherTables | undefined {
    return this.#matcher instanceof MultiPatternMatcher ? this.#matcher.tables : undefined;
  }

  /** Number of encoded patterns searched (all canaries, all forms, all variants). */
  get patternCount(): number {
    return this.#patterns.length;
  }

  /** Scans one flow and keeps its findings for `result()`. */
  async add(flow: Flow): Promise<FlowScan> {
    this.#party.observe(flow);
    const scan = await this.scanFlow(flow);
    this.#flows++;
    this.#bytes += scan.bytes;
    this.#findings.push(...scan.findings);
    this.#undecodable.push(...scan.undecodable);
    return scan;
  }

  /**
   * Scans every flow, like add() one after the other, on `workers` threads when more than one:
   * flows are read and party observed here in order, scanned in parallel with a bounded number in
   * flight (memory stays bounded), and recorded in flow order, so the result is the same.
   */
  async addAll(flows: AsyncIterable<Flow> | Iterable<Flow>): Promise<void> {
    if (this.#workers <= 1) {
      for await (const flow of flows) await this.add(flow);
      return;
    }
    const tables = this.#matcher instanceof MultiPatternMatcher ? this.#matcher.tables : undefined;
    const pool = new ScanPool({ workers: this.#workers, finder: { ...this.#poolOptions, matcherTables: tables } });
    await pool.start();
    const inFlight: Array<Promise<() => void>> = [];
    try {
      for await (const flow of flows) {
        this.#party.observe(flow);
        const undecodable: Undecodable[] = [];
        const roots = await this.#roots(flow, undecodable);
        const bytes = roots.reduce((n, r) => n + r.bytes.length, 0);
        const done = pool.scan(flow, roots).then((scan) => () => {
          for (const f of scan.findings) this.#findings.push({ ...f, canary: this.canaries[f.canary]! });
          this.#undecodable.push(...undecodable, ...scan.undecodable);
          this.#flows++;
          this.#bytes += bytes;
        });
        done.catch(() => undefined); // awaited in order below; this only keeps it from counting as unhandled meanwhile
        inFlight.push(done);
        if (inFlight.length >= IN_FLIGHT_PER_WORKER * pool.size) (await inFlight.shift()!)();
      }
      while (inFlight.length > 0) (await inFlight.shift()!)();
    } finally {
      await pool.stop();
    }
  }

  /** All findings so far, party settled with every redirect seen; undecodable parts of flows. */
  result(): LeakReport {
    for (const f of this.#findings) f.party = this.#partyOf(f.host, f.canary);
    return { findings: [...this.#findings], undecodable: [...this.#undecodable], flows: this.#flows, bytes: this.#bytes };
  }

  #partyOf(host: string, canary: Canary): Finding['party'] {
    const visit = canary.visitId === undefined ? undefined : this.#visits.get(canary.visitId);
    return this.#party.partyOf(host, visit, this.#firstParty);
  }

  async #roots(flow: Flow, undecodable: Undecodable[]): Promise<RootPart[]> {
    const roots: RootPart[] = [];
    const text = (label: string, value: string, hint?: RootPart['hint']) => {
      if (value) roots.push({ label, bytes: Buffer.from(value, 'utf8'), hint });
    };
    text('host', flow.host);
    text('path', flow.path);
    text('query', flow.query, 'query');
    for (const [name, value] of flow.request.headers) {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === ':authority' || lower === ':path') continue;
      text(`header[${lower}]`, value, lower === 'cookie' ? 'cookie' : undefined);
    }
    // Trailer fields come after the body (gRPC status, checksums, a client's own fields) and carry
    // whatever a header could.
    for (const [name, value] of flow.request.trailers ?? []) text(`trailer[${name.toLowerCase()}]`, value);
    const fail = (chain: string[], reason: string) => undecodable.push({ flowId: flow.id, host: flow.host, time: flow.startedAt, chain, reason });
    // A body shorter than its declared length was not fully seen (client abort, capture fault):
    // what is missing could hold the canary, so the flow blinds its visits' verdicts.
    const declared = Number(header(flow.request.headers, 'content-length'));
    if (Number.isInteger(declared) && declared > flow.request.body.size && !flow.request.body.truncated) {
      fail(['body'], `the capture holds ${flow.request.body.size} of the ${declared} bytes Content-Length declared`);
    }
    const body = await this.#body(flow.request.body, ['body'], fail);
    if (body) {
      const encoding = header(flow.request.headers, 'content-encoding');
      roots.push({ label: 'body', bytes: body, contentType: header(flow.request.headers, 'content-type'), contentEncodings: encoding ? encoding.split(',') : undefined });
    }
    const messages = flow.websocket?.messages ?? [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (m.direction !== 'sent') continue;
      const bytes = await this.#body(m.body, [`ws[${i}]`], fail);
      if (bytes) roots.push({ label: `ws[${i}]`, bytes });
    }
    return roots;
  }

  async #body(ref: BodyRef | undefined, chain: string[], fail: (chain: string[], reason: string) => void): Promise<Buffer | undefined> {
    if (!ref || ref.size === 0) return undefined;
    if (ref.truncated) fail(chain, 'body truncated by the capture (the rest was not recorded)');
    if (ref.inline !== undefined) return Buffer.from(ref.inline, 'base64');
    if (ref.file === undefined) return undefined;
    if (!this.#readBody) {
      fail(chain, `body stored in ${ref.file}, but no body reader was given`);
      return undefined;
    }
    try {
      const bytes = await this.#readBody(ref);
      // A reader stops at its limit (readBodyPrefix): what it read is searched, the rest is unseen.
      if (bytes.length < ref.size && !ref.truncated) fail(chain, `body is ${ref.size} bytes; only its first ${bytes.length} were read and searched (the body-size limit)`);
      return bytes;
    } catch (error) {
      if (!(error instanceof PhonehomeError)) throw error;
      fail(chain, error.message);
      return undefined;
    }
  }

  /** Findings and undecodable parts of one flow (party as known so far; `result()` settles it). */
  async scanFlow(flow: Flow): Promise<FlowScan> {
    const undecodable: Undecodable[] = [];
    const roots = await this.#roots(flow, undecodable);
    const bytes = roots.reduce((n, r) => n + r.bytes.length, 0);
    return { ...this.scanParts(flow, roots, undecodable), bytes };
  }

  /** The synchronous core, over flow parts already in memory (benchmarks call it directly). */
  scanParts(flow: Flow, roots: RootPart[], undecodable: Undecodable[] = []): Omit<FlowScan, 'bytes'> {
    const hits: Hit[] = [];
    const layers: Layer[] = [];
    const context = new Set<string>();
    const matchesOf: Array<readonly PatternMatch[]> = [];
    const decoded = this.#decoder.decode(roots, (layer) => {
      layers.push(layer);
      // A view shares its parent's bytes, so its matches are the parent's inside its span: each
      // byte of the flow is searched once, however many structure layers (fields, strings) hold it.
      const matches = layer.view ? this.#matchesWithin(matchesOf[layer.parent]!, layer.originStart, layer.originEnd) : this.#matcher.scan(layer.bytes);
      matchesOf[layer.id] = matches;
      for (const m of matches) {
        const info = this.#patterns[m.pattern]!;
        const end = m.start + this.#lengths[m.pattern]!;
        // A view's match where decoding changed nothing is the parent's match, found there already.
        if (layer.changed && !touchesChange(layer, m.start, end)) continue;
        const canary = this.canaries[info.canary]!;
        if (layer.chain[layer.chain.length - 1] === 'digits' && !PHONE_KINDS.has(canary.kind)) continue;
        if (info.contextOnly) context.add(`${canary.kind}: ${canary.value}`);
        else hits.push({ info, layer, start: m.start, end });
      }
    });
    for (const u of decoded.undecodable) undecodable.push({ flowId: flow.id, host: flow.host, time: flow.startedAt, chain: u.chain, reason: u.reason });
    const findings = this.#findingsOf(flow, hits, decoded.layers);
    if (findings.length > 0) {
      for (const r of this.#releaseContext(layers)) context.add(r);
      if (context.size > 0) for (const f of findings) f.context = [...context];
    }
    return { findings, undecodable };
  }

  /** The matches lying wholly inside [start, end), shifted to offsets from start (matches are in text order). */
  #matchesWithin(parent: readonly PatternMatch[], start: number, end: number): readonly PatternMatch[] {
    let out: PatternMatch[] | undefined;
    let lo = 0;
    let hi = parent.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (parent[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < parent.length && parent[i]!.start < end; i++) {
      const m = parent[i]!;
      if (m.start + this.#lengths[m.pattern]! <= end) (out ??= []).push({ pattern: m.pattern, start: m.start - start });
    }
    return out ?? NO_MATCHES;
  }

  /** Android release (e.g. '10'): only where a key or label says it is a version. */
  #releaseContext(layers: Layer[]): string[] {
    const out: string[] = [];
    for (const release of this.#releases) {
      const escaped = release.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const re = new RegExp(`(?:os|version|release|android)[^\\n]{0,24}?(?<![\\w.])${escaped}(?![\\w.])`, 'i');
      if (layers.some((l) => !l.leaf && re.test(l.bytes.toString('latin1', 0, Math.min(l.bytes.length, 1 << 20))))) {
        const kind = this.canaries.find((c) => c.value.trim() === release)?.kind ?? 'android-release';
        out.push(`${kind}: ${release}`);
      }
    }
    return out;
  }

  #findingsOf(flow: Flow, hits: Hit[], layers: Layer[]): Finding[] {
    // A match inside a span that a child layer decoded is reported from the child (deeper evidence).
    const explained = (h: Hit) =>
      hits.some((g) => {
        if (g === h || g.info.group !== h.info.group || g.layer === h.layer) return false;
        let child = g.layer;
        while (child.parent !== -1 && child.parent !== h.layer.id) child = layers[child.parent]!;
        return child.parent === h.layer.id && child.originStart < h.end && child.originEnd > h.start;
      });
    const seen = new Set<string>();
    const findings: Finding[] = [];
    /** Keystroke groups already reported at a layer and offset: the longest prefix there comes first. */
    const prefixAt = new Set<string>();
    // Longest match first where two forms match at one place (15-digit IMEI over its 14-digit prefix).
    hits.sort((a, b) => a.layer.id - b.layer.id || a.start - b.start || b.end - a.end);
    for (const h of hits) {
      if (explained(h)) continue;
      if (h.info.group !== h.info.canary || this.canaries[h.info.canary]!.kind === 'keystroke-prefix') {
        const at = `${h.info.group}\u0000${h.layer.id}\u0000${h.start}`;
        if (prefixAt.has(at)) continue;
        prefixAt.add(at);
      }
      const at = chainAt(h.layer, h.start);
      // A form field's value is decoded with '+' as a space already: no further label for it.
      const chain = h.info.plusAsSpace && FIELD_LABEL.test(at[at.length - 1]!) ? at : [...at, ...h.info.encoding];
      const key = `${h.info.canary}\u0000${chain.join('\u0000')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const canary = this.canaries[h.info.canary]!;
      const visit = canary.visitId === undefined ? undefined : this.#visits.get(canary.visitId);
      const finding: Finding = {
        canary,
        flowId: flow.id,
        host: flow.host,
        path: flow.path,
        party: this.#partyOf(flow.host, canary),
        chain,
        excerpt: excerptOf(h.layer.bytes, h.start, h.end),
        time: flow.startedAt,
      };
      if (flow.upstreamIp) finding.ip = flow.upstreamIp;
      finding.connection = { httpVersion: flow.httpVersion, ...(flow.tls ? { tls: flow.tls } : {}), ...(flow.upstream ? { upstream: flow.upstream } : {}) };
      if (h.info.form !== canary.value) finding.form = h.info.form;
      if (visit) finding.confidence = flow.startedAt >= visit.t0 && flow.startedAt <= visit.t1 + this.graceMs ? 'high' : 'medium';
      findings.push(finding);
    }
    return findings;
  }
}

/** Runs a finder over flows (any iterable, e.g. readFlows(dir)) and returns its report. */
export async function findLeaks(flows: AsyncIterable<Flow> | Iterable<Flow>, options: LeakFinderOptions): Promise<LeakReport> {
  const finder = new LeakFinder(options);
  await finder.addAll(flows);
  return finder.result();
}
