/**
 * Peels a flow's parts (URL, headers, body) into layers: every decoding that applies (percent,
 * form / cookie / query fields, multipart parts, JSON strings, protobuf strings, base64 / base64url
 * / hex runs, gzip / deflate / brotli) yields a child layer, recursively, under hard bounds. The
 * caller scans each layer for canaries as it is produced. A layer over a bound, or a compressed
 * stream that does not decode, is reported as undecodable: a blind spot, never a crash.
 */
import { decompress, isGzip, type Compression } from './compression.js';
import { mayBeBrotli, mayBeRawDeflate, mayBeZlib } from './compressionProbes.js';
import { decodedRunLength, decodeRun, decodeRunInto, findEncodedRuns, MIN_RUN_CHARS, type EncodedRun } from './encodedRuns.js';
import { fieldAt, parseFormFields, percentDecode, type FormField } from './formFields.js';
import { jsonPath, MAX_JSON_NESTING, scanJson, unescapeJsonString, valueAt, type JsonScan } from './jsonStrings.js';
import { boundaryFromContentType, parseMultipart, sniffBoundary, type MultipartPart } from './multipartParts.js';
import { protobufStrings, type ProtobufStrings } from './protobufWire.js';
import { spanIndexAt } from './spanSearch.js';
import { firstNonSpace, hasPercentEscape, isTextLike } from './textSniff.js';

export interface DecodeBounds {
  /** Nested encodings (percent, base64, hex, compression) on one path; structure (fields, JSON) is free. */
  maxDepth: number;
  /** Decoded bytes per flow, all layers together. */
  maxDecodedBytes: number;
  /** Output / input ratio of one decompression. */
  maxExpansion: number;
  /** Layers per flow (a body of 100,000 tiny base64 runs is a bound, not a workload). */
  maxLayers: number;
  /** Labels in one chain (structure inside structure inside ...). */
  maxChain: number;
  /** Binary parts of unknown format tried as brotli / raw deflate, per flow. */
  maxBlindAttempts: number;
}

/** Shorter binary is not worth compressing, so it is not tried as brotli / raw deflate. */
export const MIN_BLIND_BYTES = 40;

export const DEFAULT_BOUNDS: DecodeBounds = {
  maxDepth: 4,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxExpansion: 100,
  maxLayers: 10_000,
  maxChain: 16,
  maxBlindAttempts: 256,
};

type Structure =
  | { kind: 'json'; scan: JsonScan }
  | { kind: 'fields'; fields: FormField[]; label: 'form' | 'query' | 'cookie'; replacesLast: boolean; offset: number }
  | { kind: 'multipart'; parts: MultipartPart[] }
  | { kind: 'protobuf'; strings: ProtobufStrings };

export interface Layer {
  id: number;
  /** Parent layer id, -1 for a root. */
  parent: number;
  /** Span in the parent's bytes this layer was decoded from. */
  originStart: number;
  originEnd: number;
  bytes: Buffer;
  /** The decoding chain to here, built on first use (most layers never need theirs named). */
  readonly chain: string[];
  /** Nested encodings so far. */
  depth: number;
  /** For percent views: 1 where the byte came from an escape ('%41', '+'); other bytes equal the parent's. */
  changed?: Uint8Array;
  structure?: Structure;
  /** Not decoded further (normalised views, still-compressed bodies). */
  leaf: boolean;
  /** bytes are parent.bytes[originStart, originEnd) itself (no copy): the parent's matches there are this layer's. */
  view?: boolean;
  /** Set on a flow part's own layers (raw and content-decoded): hints for its structure. */
  root?: RootPart;
}

export interface UndecodablePart {
  chain: string[];
  reason: string;
}

export interface RootPart {
  label: string;
  bytes: Buffer;
  hint?: 'query' | 'cookie';
  contentType?: string;
  /** Content-Encoding values in the order applied (decoded in reverse). */
  contentEncodings?: string[];
}

export interface LayerOptions {
  bounds?: Partial<DecodeBounds>;
  /** Percent views decode '+' as a space too (some canary has a space: search terms). */
  plusViews?: boolean;
  /** Make a digits-only view of digit groups ('138 0013-8000') for phone-number canaries. */
  digitsViews?: boolean;
  /**
   * True when bytes hold a searched pattern (the finder's matcher). Given it, a short decoded run
   * that holds none and leads nowhere (binary of no format: an id, a hash) gets no layer at all.
   */
  holdsPattern?: (bytes: Uint8Array) => boolean;
}

/** Decoded runs up to this many bytes are decoded into scratch space first, and kept only if they matter. */
const SCRATCH_BYTES = 1024;

const CONTENT_ENCODINGS: Record<string, Compression | 'identity'> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'brotli',
  identity: 'identity',
};

const COMPRESSION_LABEL: Record<Compression, string> = { gzip: 'gzip', deflate: 'deflate', 'deflate-raw': 'deflate', brotli: 'brotli' };

interface LayerSpec {
  bytes: Buffer;
  step: ChainStep;
  depth: number;
  originStart: number;
  originEnd: number;
  /** The bytes are a new buffer (counted against maxDecodedBytes), not a view of the parent's. */
  copied: boolean;
  changed?: Uint8Array;
  leaf?: boolean;
}

/** A digit, separators, a digit: where a phone number written in groups may be. */
const DIGIT_GROUP = /\d[ \-().\u00a0]+\d/;
/** Digit groups with separators, as phone numbers are written. */
const DIGIT_GROUPS = /\+?\d[\d \-().\u00a0]{4,}\d/g;

/**
 * How a layer's chain is made from its parent's: `label` appended (a decompression, a percent
 * view), or the parent's chain at an offset (field, JSON path) followed by `extra` labels.
 */
type ChainStep = { root: string } | { append: string } | { at: number; fieldsInStrings: boolean; extra: readonly string[] };

const NO_LABELS: readonly string[] = [];
const RUN_LABELS: Record<EncodedRun['kind'], readonly string[]> = { base64: ['base64'], base64url: ['base64url'], hex: ['hex'] };

class DecodedLayer implements Layer {
  changed?: Uint8Array;
  structure?: Structure;
  root?: RootPart;
  view?: boolean;
  #chain: string[] | undefined;

  constructor(
    readonly id: number,
    readonly parentLayer: DecodedLayer | undefined,
    readonly originStart: number,
    readonly originEnd: number,
    readonly bytes: Buffer,
    readonly depth: number,
    readonly leaf: boolean,
    readonly step: ChainStep,
  ) {}

  get parent(): number {
    return this.parentLayer?.id ?? -1;
  }

  get chain(): string[] {
    if (this.#chain) return this.#chain;
    const step = this.step;
    const parent = this.parentLayer!;
    if ('root' in step) this.#chain = [step.root];
    else if ('append' in step) this.#chain = [...parent.chain, step.append];
    else this.#chain = [...chainAt(parent, step.at, step.fieldsInStrings), ...step.extra];
    return this.#chain;
  }

  /** At least the chain's length, without building it: chainAt adds at most two labels. */
  get chainLengthBound(): number {
    if (this.#chain) return this.#chain.length;
    const step = this.step;
    if ('root' in step) return 1;
    if ('append' in step) return this.parentLayer!.chainLengthBound + 1;
    return this.parentLayer!.chainLengthBound + 2 + step.extra.length;
  }
}

/** One flow's worth of decoding state: bounds are per flow. */
class FlowDecoding {
  readonly layers: DecodedLayer[] = [];
  readonly undecodable: UndecodablePart[] = [];
  #decoded = 0;
  #overLayers = false;
  #overBytes = false;
  readonly #stack: DecodedLayer[] = [];

  constructor(
    readonly bounds: DecodeBounds,
    readonly options: LayerOptions,
  ) {}

  #blind = 0;

  /** Counts a blind decompression attempt; past the bound, reports once and refuses. */
  blindAttempt(layer: Layer, max: number): boolean {
    if (++this.#blind <= max) return true;
    if (this.#blind === max + 1) this.fail(layer.chain, `more than ${max} binary parts of unknown format (not tried as brotli / raw deflate)`);
    return false;
  }

  fail(chain: string[], reason: string): void {
    if (this.undecodable.length < 100) this.undecodable.push({ chain, reason });
  }

  /** Remaining decoded-bytes budget. */
  get budget(): number {
    return this.bounds.maxDecodedBytes - this.#decoded;
  }

  add(parent: DecodedLayer | undefined, spec: LayerSpec): DecodedLayer | undefined {
    const layer = new DecodedLayer(this.layers.length, parent, spec.originStart, spec.originEnd, spec.bytes, spec.depth, spec.leaf ?? false, spec.step);
    if (this.layers.length >= this.bounds.maxLayers) {
      if (!this.#overLayers) this.fail(parent?.chain ?? layer.chain, `more than ${this.bounds.maxLayers} decoded parts in one flow`);
      this.#overLayers = true;
      return undefined;
    }
    if (spec.copied) {
      if (this.#decoded + spec.bytes.length > this.bounds.maxDecodedBytes) {
        if (!this.#overBytes) this.fail(layer.chain, `decoded output over ${this.bounds.maxDecodedBytes} bytes in one flow`);
        this.#overBytes = true;
        return undefined;
      }
      this.#decoded += spec.bytes.length;
    }
    if (layer.chainLengthBound > this.bounds.maxChain && layer.chain.length > this.bounds.maxChain) {
      this.fail(layer.chain.slice(0, this.bounds.maxChain), `more than ${this.bounds.maxChain} nested layers`);
      return undefined;
    }
    if (spec.changed) layer.changed = spec.changed;
    if (parent && !spec.copied) layer.view = true;
    this.layers.push(layer);
    this.#stack.push(layer);
    return layer;
  }

  next(): DecodedLayer | undefined {
    return this.#stack.pop();
  }
}

/** Runs inside the given strings of a protobuf message (by index), each string's ends taken as hard edges. */
function runsInStrings(b: Buffer, strings: ProtobufStrings, which: readonly number[] | undefined): EncodedRun[] {
  const runs: EncodedRun[] = [];
  for (const i of which ?? []) {
    const start = strings.starts[i]!;
    for (const r of findEncodedRuns(b.subarray(start, strings.ends[i]))) runs.push({ ...r, start: r.start + start, end: r.end + start });
  }
  return runs;
}

/**
 * Spans (start, end pairs) of digit, separators, digit in b: where #digitsView may find a phone
 * number written in groups. One native regex pass over a whole message or document tells which of
 * its strings need a layer for that.
 */
function digitGroupSpans(b: Buffer): number[] {
  const spans: number[] = [];
  const text = b.toString('latin1');
  const re = new RegExp(DIGIT_GROUP.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    spans.push(m.index, m.index + m[0].length);
    re.lastIndex = m.index + m[0].length - 1; // the closing digit may open the next group
  }
  return spans;
}

/**
 * Walks digit-group spans alongside strings in offset order: does [start, end) hold one? Each call
 * starts where the last left off, so a document's strings cost one pass over its spans.
 */
class DigitGroupCursor {
  #i = 0;
  constructor(readonly spans: readonly number[]) {}
  within(start: number, end: number): boolean {
    const spans = this.spans;
    while (this.#i < spans.length && spans[this.#i]! < start) this.#i += 2;
    return this.#i < spans.length && spans[this.#i + 1]! <= end;
  }
}

/** The chain naming a position in a layer: the layer's chain plus the field / JSON path there. */
export function chainAt(layer: Layer, offset: number, fieldsInStrings = true): string[] {
  const s = layer.structure;
  if (!s) return layer.chain;
  let label: string | undefined;
  let replacesLast = false;
  if (s.kind === 'json') {
    const i = valueAt(s.scan, offset);
    if (i >= 0) {
      const v = s.scan.values[i]!;
      const sub = v.isString && fieldsInStrings ? fieldLabelIn(layer.bytes, v.start, v.end, offset) : undefined;
      return [...layer.chain, jsonPath(s.scan, v), ...(sub ? [sub] : [])];
    }
  } else if (s.kind === 'fields') {
    const i = fieldAt(s.fields, offset - s.offset);
    if (i >= 0) {
      label = `${s.label}[${s.fields[i]!.name}]`;
      replacesLast = s.replacesLast;
    }
  } else if (s.kind === 'multipart') {
    const part = s.parts[spanIndexAt(s.parts.length, (i) => s.parts[i]!.bodyStart, (i) => s.parts[i]!.bodyEnd, offset)];
    if (part) label = `multipart[${part.name}]`;
  } else {
    const i = s.strings.indexAt(offset);
    if (i >= 0) {
      // A text string with no layer of its own (see #leafNeedsLayer): its fields are named here.
      const start = s.strings.starts[i]!;
      const end = s.strings.ends[i]!;
      const sub = fieldsInStrings && isTextLike(layer.bytes.subarray(start, end)) ? fieldLabelIn(layer.bytes, start, end, offset) : undefined;
      return [...layer.chain, `protobuf[${s.strings.path(i)}]`, ...(sub ? [sub] : [])];
    }
  }
  if (label === undefined) return layer.chain;
  return replacesLast ? [...layer.chain.slice(0, -1), label] : [...layer.chain, label];
}

/**
 * `query[k]` / `form[k]` for an offset inside a URL or form-data string value (computed only when a
 * finding needs its label, so such strings need no layer of their own).
 */
function fieldLabelIn(b: Buffer, start: number, end: number, offset: number): string | undefined {
  const value = b.subarray(start, end);
  let base = 0;
  let kind = 'form';
  if (value[0] === 0x68 && /^https?:\/\//i.test(value.toString('latin1', 0, 8))) {
    const q = value.indexOf(0x3f);
    if (q < 0) return undefined;
    base = q + 1;
    kind = 'query';
  }
  const fields = parseFormFields(value.subarray(base), '&');
  if (!fields) return undefined;
  const i = fieldAt(fields, offset - start - base);
  return i >= 0 ? `${kind}[${fields[i]!.name}]` : undefined;
}

/** True when [start, end) of a percent view holds a byte that decoding changed. */
export function touchesChange(layer: Layer, start: number, end: number): boolean {
  const c = layer.changed;
  if (!c) return true;
  for (let i = start; i < end; i++) if (c[i]) return true;
  return false;
}

export class LayerDecoder {
  readonly bounds: DecodeBounds;
  /** Where short runs are decoded before they are known to matter (decode() is synchronous). */
  readonly #scratch = new Uint8Array(SCRATCH_BYTES);
  /** Views of the scratch space by length, made once: a view per run would be garbage per run. */
  readonly #scratchViews: Uint8Array[] = [];

  constructor(readonly options: LayerOptions = {}) {
    this.bounds = { ...DEFAULT_BOUNDS, ...options.bounds };
  }

  /**
   * Decodes the roots of one flow, calling `onLayer` for each layer (roots first, then depth first).
   * Returns every layer (their bytes are views or copies bounded by maxDecodedBytes) and the parts
   * that could not be decoded.
   */
  decode(roots: RootPart[], onLayer: (layer: Layer) => void): { layers: Layer[]; undecodable: UndecodablePart[] } {
    const run = new FlowDecoding(this.bounds, this.options);
    for (const root of [...roots].reverse()) this.#addRoot(run, root);
    for (let layer = run.next(); layer; layer = run.next()) {
      onLayer(layer);
      if (!layer.leaf) this.#expand(run, layer);
    }
    return { layers: run.layers, undecodable: run.undecodable };
  }

  #addRoot(run: FlowDecoding, root: RootPart): void {
    const encodings = (root.contentEncodings ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e !== '' && e !== 'identity');
    const rootLayer = run.add(undefined, {
      bytes: root.bytes,
      step: { root: root.label },
      depth: 0,
      originStart: 0,
      originEnd: root.bytes.length,
      copied: false,
      leaf: encodings.length > 0, // compressed bytes: only the decoded body is worth structure
    });
    if (!rootLayer) return;
    rootLayer.root = root;
    let current = rootLayer;
    for (const encoding of encodings.reverse()) {
      const kind = CONTENT_ENCODINGS[encoding];
      if (kind === undefined || kind === 'identity') {
        run.fail(current.chain, `Content-Encoding '${encoding}' is not supported (gzip, deflate, br)`);
        return;
      }
      const next = this.#decompressInto(run, current, kind, 'required');
      if (!next) return;
      next.root = root;
      current = next;
    }
  }

  /**
   * Decompressed child of `layer`. 'required': a header or magic number said so, failure is
   * undecodable. 'checked': the format has its own checksum (zlib's Adler-32), so a clean success is
   * proof, a failure means it was not zlib. 'blind': success counts only if the output is a format.
   */
  #decompressInto(run: FlowDecoding, layer: DecodedLayer, kind: Compression, mode: 'required' | 'checked' | 'blind'): DecodedLayer | undefined {
    const required = mode === 'required';
    const label = COMPRESSION_LABEL[kind];
    const chain = () => [...layer.chain, label];
    if (layer.depth + 1 > this.bounds.maxDepth) {
      if (required) run.fail(chain(), `more than ${this.bounds.maxDepth} nested encodings`);
      return undefined;
    }
    const cap = Math.min(layer.bytes.length * this.bounds.maxExpansion, run.budget);
    const result = decompress(kind, layer.bytes, cap, mode === 'required');
    if (!result.ok) {
      if (required || result.overBound) {
        const why = result.overBound
          ? cap < layer.bytes.length * this.bounds.maxExpansion
            ? `${label} output over the flow's ${this.bounds.maxDecodedBytes}-byte decoding budget`
            : `${label} expands more than ${this.bounds.maxExpansion}x`
          : result.reason;
        run.fail(chain(), why);
      }
      return undefined;
    }
    if (result.truncated && required) run.fail(chain(), result.reason);
    if (result.truncated && mode === 'blind') return undefined;
    if (mode === 'checked' && result.truncated) return undefined;
    if (mode === 'blind' && !this.#worthDecoding(result.bytes) && sniffBoundary(result.bytes) === undefined && protobufStrings(result.bytes, isTextLike) === undefined) return undefined;
    return run.add(layer, { bytes: result.bytes, step: { append: label }, depth: layer.depth + 1, originStart: 0, originEnd: layer.bytes.length, copied: true });
  }

  #worthDecoding(bytes: Uint8Array): boolean {
    return isGzip(bytes) || mayBeZlib(bytes) || isTextLike(bytes);
  }

  /**
   * A protobuf string needs a layer of its own only where one would decode more than the message
   * layer does: text holding JSON, multipart, %XX escapes or digit groups (phone numbers), or
   * binary that may be compressed or is a message nested too deep to parse. Like a JSON string's,
   * its matches are the message's, its runs are found from the message and its fields are named
   * lazily (chainAt), so most strings (names, URLs, ids) cost no layer.
   */
  #leafNeedsLayer(leaf: Buffer, digitGroup: boolean): boolean {
    if (!isTextLike(leaf)) return !this.#leadsNowhere(leaf);
    const first = leaf[0];
    if (first === 0x7b || first === 0x5b || (first === 0x2d && sniffBoundary(leaf) !== undefined)) return true;
    return digitGroup || hasPercentEscape(leaf);
  }

  /**
   * True when a decoded run, as a layer, would decode to nothing more: what #expand does with a
   * layer of no root, answered without making one (not text, no multipart or protobuf structure,
   * no compression magic, too short or failing the brotli / raw deflate probes).
   */
  #leadsNowhere(bytes: Uint8Array): boolean {
    if (isGzip(bytes) || mayBeZlib(bytes) || isTextLike(bytes)) return false;
    if (bytes[0] === 0x2d && bytes[1] === 0x2d && sniffBoundary(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) !== undefined) return false;
    if (protobufStrings(bytes, isTextLike) !== undefined) return false;
    return bytes.length < MIN_BLIND_BYTES || !(mayBeBrotli(bytes, this.bounds.maxExpansion) || mayBeRawDeflate(bytes));
  }

  #structure(layer: DecodedLayer, text: boolean): Structure | undefined {
    const b = layer.bytes;
    const root = layer.root;
    if (root?.hint === 'query') {
      const fields = parseFormFields(b, '&');
      return fields ? { kind: 'fields', fields, label: 'query', replacesLast: true, offset: 0 } : undefined;
    }
    if (root?.hint === 'cookie') {
      const fields = parseFormFields(b, ';');
      return fields ? { kind: 'fields', fields, label: 'cookie', replacesLast: true, offset: 0 } : undefined;
    }
    const boundary = boundaryFromContentType(root?.contentType) ?? sniffBoundary(b);
    if (boundary) {
      const parts = parseMultipart(b, boundary);
      if (parts) return { kind: 'multipart', parts };
    }
    if (!text) {
      const strings = protobufStrings(b, isTextLike);
      return strings ? { kind: 'protobuf', strings } : undefined;
    }
    const first = firstNonSpace(b);
    if (first === 0x7b || first === 0x5b) {
      const scan = scanJson(b);
      if (scan.values.length > 0 || scan.stoppedAt === undefined || scan.tooDeep) return { kind: 'json', scan };
    }
    // A URL's fields are its query's (as fieldLabelIn names them in strings with no layer).
    if (first === 0x68 /* h */ && /^https?:\/\//i.test(b.toString('latin1', 0, Math.min(b.length, 12)))) {
      const q = b.indexOf(0x3f);
      if (q < 0) return undefined;
      const fields = parseFormFields(b.subarray(q + 1), '&');
      return fields ? { kind: 'fields', fields, label: 'query', replacesLast: false, offset: q + 1 } : undefined;
    }
    const fields = parseFormFields(b, '&');
    return fields ? { kind: 'fields', fields, label: 'form', replacesLast: false, offset: 0 } : undefined;
  }

  #expand(run: FlowDecoding, layer: DecodedLayer): void {
    const b = layer.bytes;
    if (b.length === 0) return;
    const text = isTextLike(b);
    const structure = this.#structure(layer, text);
    // Short binary of no known format (a random id, a hash): nothing inside can be decoded.
    if (!text && !structure && b.length < MIN_BLIND_BYTES && !isGzip(b) && !mayBeZlib(b)) return;
    layer.structure = structure;
    const covered: Array<[number, number]> = [];
    /** Protobuf strings (by index) with no layer of their own: their runs are found here. */
    let bare: number[] | undefined;
    // In a JSON document or protobuf message, strings holding digit groups get a layer, for its digits view.
    const digits = this.options.digitsViews && (structure?.kind === 'json' || structure?.kind === 'protobuf') ? new DigitGroupCursor(digitGroupSpans(b)) : undefined;
    const view = (start: number, end: number, bytes: Buffer, copied: boolean, depthAdd = 0, extra: readonly string[] = NO_LABELS) => {
      covered.push([start, end]);
      return run.add(layer, { bytes, step: { at: start, fieldsInStrings: false, extra }, depth: layer.depth + depthAdd, originStart: start, originEnd: end, copied });
    };

    if (structure?.kind === 'json') {
      if (structure.scan.tooDeep) run.fail(layer.chain, `JSON nested deeper than ${MAX_JSON_NESTING} levels`);
      // The first '%' at or after the string being read (b.length: none), found once for all the
      // strings before it: most bodies hold none, and a loop over every string would read them all.
      let nextPercent = -1;
      for (const v of structure.scan.values) {
        if (!v.isString || v.end - v.start < 4) continue;
        if (v.escaped) {
          const value = unescapeJsonString(b, v);
          if (value !== undefined) view(v.start, v.end, Buffer.from(value, 'utf8'), true);
          continue;
        }
        if (nextPercent < v.start) {
          nextPercent = b.indexOf(0x25, v.start);
          if (nextPercent < 0) nextPercent = b.length;
        }
        // A string without escapes gets a layer only if it needs decoding ('%'), holds JSON or
        // digit groups; the fields of a URL or form in it are named lazily (chainAt). A '+' needs
        // none: the canaries' '+'-for-space variants find form-encoded spaces.
        const first = b[v.start];
        if (nextPercent < v.end || first === 0x7b || first === 0x5b || digits?.within(v.start, v.end)) view(v.start, v.end, b.subarray(v.start, v.end), false);
      }
    } else if (structure?.kind === 'fields') {
      for (const f of structure.fields) {
        const start = structure.offset + f.valueStart;
        const end = structure.offset + f.end;
        if (end - start < 4) continue;
        const raw = b.subarray(start, end);
        const decoded = raw.includes(0x25) || raw.includes(0x2b) ? percentDecode(raw, true) : raw;
        view(start, end, decoded, decoded !== raw);
      }
    } else if (structure?.kind === 'multipart') {
      for (const p of structure.parts) {
        const raw = b.subarray(p.bodyStart, p.bodyEnd);
        if (p.contentEncoding === 'base64') view(p.bodyStart, p.bodyEnd, Buffer.from(raw.toString('latin1'), 'base64'), true, 1, ['base64']);
        else if (p.contentEncoding === 'quoted-printable') view(p.bodyStart, p.bodyEnd, raw, false);
        else view(p.bodyStart, p.bodyEnd, raw, false);
      }
    } else if (structure?.kind === 'protobuf') {
      const strings = structure.strings;
      for (let i = 0; i < strings.length; i++) {
        const start = strings.starts[i]!;
        const end = strings.ends[i]!;
        if (end - start < 4) continue;
        if (this.#leafNeedsLayer(b.subarray(start, end), digits?.within(start, end) === true)) view(start, end, b.subarray(start, end), false);
        else if (end - start >= MIN_RUN_CHARS) (bare ??= []).push(i);
      }
    }
    covered.sort((x, y) => x[0] - y[0]);

    if (text) {
      // Structured text decodes field by field; plain text (and a URL's path) as a whole. A
      // percent view takes over the runs of the span it decodes, so a run is decoded once.
      // Digit groups likewise: a structure's strings and fields have layers of their own for them.
      const end = !structure ? b.length : structure.kind === 'fields' && structure.offset > 0 ? structure.offset - 1 : 0;
      if (end > 0 && this.#percentView(run, layer, end)) {
        covered.push([0, end]);
        covered.sort((x, y) => x[0] - y[0]);
      }
      if (end > 0 && this.options.digitsViews) this.#digitsView(run, layer, end);
    }

    // base64 / base64url / hex runs not already inside a decoded field or string. Binary of no
    // known format is skipped: runs there are chance (the matcher still sees encoded canaries).
    // In a protobuf message, only inside strings: a length byte may read as a run character.
    const runs = structure?.kind === 'protobuf' ? runsInStrings(b, structure.strings, bare) : text || structure ? findEncodedRuns(b, covered) : [];
    for (const r of runs) {
      const length = decodedRunLength(b, r);
      if (length < 4) continue;
      let decoded: Buffer;
      if (length <= SCRATCH_BYTES && this.options.holdsPattern) {
        const written = decodeRunInto(b, r, this.#scratch);
        const bytes = (this.#scratchViews[written] ??= this.#scratch.subarray(0, written));
        if (r.digitsOnly && !this.#worthDecoding(bytes)) continue;
        // Most runs are ids and hashes: bytes that hold no canary and decode no further need no layer.
        if (this.#leadsNowhere(bytes) && !this.options.holdsPattern(bytes)) continue;
        decoded = Buffer.from(bytes);
      } else {
        decoded = decodeRun(b, r);
        if (r.digitsOnly && !this.#worthDecoding(decoded)) continue;
      }
      if (layer.depth + 1 > this.bounds.maxDepth) {
        if (this.#worthDecoding(decoded)) run.fail([...chainAt(layer, r.start), r.kind], `more than ${this.bounds.maxDepth} nested encodings`);
        continue;
      }
      // Binary that is no known format may still be brotli or raw deflate: expansion tries those.
      run.add(layer, { bytes: decoded, step: { at: r.start, fieldsInStrings: true, extra: RUN_LABELS[r.kind] }, depth: layer.depth + 1, originStart: r.start, originEnd: r.end, copied: true });
    }

    if (!text && !structure) {
      // gzip's 3-byte magic is proof enough; a 2-byte zlib header turns up by chance in random bytes,
      // so the stream after it is probed first, and only a checksummed success counts.
      if (isGzip(b)) this.#decompressInto(run, layer, 'gzip', 'required');
      else if (mayBeZlib(b) && this.#decompressInto(run, layer, 'deflate', 'checked')) return;
      else if (b.length >= MIN_BLIND_BYTES) {
        // No magic number: probe, then try brotli and raw deflate, kept only if the output is a known format.
        const brotli = mayBeBrotli(b, this.bounds.maxExpansion);
        const deflate = mayBeRawDeflate(b);
        if ((brotli || deflate) && run.blindAttempt(layer, this.bounds.maxBlindAttempts)) {
          if (!(brotli && this.#decompressInto(run, layer, 'brotli', 'blind')) && deflate) this.#decompressInto(run, layer, 'deflate-raw', 'blind');
        }
      }
    }
  }

  /**
   * Percent-decoded view of b[0, end) (for a URL: its path; the query is decoded field by field),
   * when it holds a %XX escape; it decodes runs in place of the parent. '+' alone makes no view
   * (see the JSON strings in #expand); with an escape, '+' is decoded too when some canary has a space.
   */
  #percentView(run: FlowDecoding, layer: DecodedLayer, end: number): boolean {
    const b = layer.bytes;
    const part = end < b.length ? b.subarray(0, end) : b;
    if (!hasPercentEscape(part)) return false;
    if (layer.depth + 1 > this.bounds.maxDepth) {
      run.fail([...layer.chain, 'urldecode'], `more than ${this.bounds.maxDepth} nested encodings`);
      return false;
    }
    const plus = this.options.plusViews === true && part.includes(0x2b) && !part.includes(0x20);
    const decoded = percentDecode(part, plus);
    const changed = new Uint8Array(decoded.length);
    let o = 0;
    for (let i = 0; i < part.length; i++, o++) {
      const c = part[i]!;
      if (c === 0x25 && i + 2 < part.length && decoded[o] !== 0x25) {
        changed[o] = 1;
        i += 2;
      } else if (c === 0x25 && i + 2 < part.length && part[i + 1] === 0x32 && part[i + 2] === 0x35) {
        changed[o] = 1; // '%25' decodes to '%' itself
        i += 2;
      } else if (c === 0x2b && plus) changed[o] = 1;
    }
    return run.add(layer, { bytes: decoded, step: { append: 'urldecode' }, depth: layer.depth + 1, originStart: 0, originEnd: part.length, copied: true, changed }) !== undefined;
  }

  /** Phone numbers written in groups: a view with the separators inside digit groups removed. */
  #digitsView(run: FlowDecoding, layer: DecodedLayer, end: number): void {
    const s = layer.bytes.toString('latin1', 0, end);
    if (!DIGIT_GROUP.test(s)) return;
    const pieces: string[] = [];
    const changedSpans: Array<[number, number]> = [];
    let last = 0;
    let length = 0;
    for (const m of s.matchAll(DIGIT_GROUPS)) {
      const d = m[0].replace(/[ \-().\u00a0]/g, '');
      if (d === m[0] || d.length < 6) continue;
      pieces.push(s.slice(last, m.index));
      length += m.index - last;
      changedSpans.push([length, length + d.length]);
      pieces.push(d);
      length += d.length;
      last = m.index + m[0].length;
    }
    if (changedSpans.length === 0) return;
    pieces.push(s.slice(last));
    const bytes = Buffer.from(pieces.join(''), 'latin1');
    const changed = new Uint8Array(bytes.length);
    for (const [a, z] of changedSpans) changed.fill(1, a, z);
    run.add(layer, { bytes, step: { append: 'digits' }, depth: layer.depth, originStart: 0, originEnd: end, copied: true, leaf: true, changed });
  }
}
