/**
 * Peels a flow's parts (URL, headers, body) into layers: every decoding that applies (percent,
 * form / cookie / query fields, multipart parts, JSON strings, protobuf strings, base64 / base64url
 * / hex runs, gzip / deflate / brotli) yields a child layer, recursively, under hard bounds. The
 * caller scans each layer for canaries as it is produced. A layer over a bound, or a compressed
 * stream that does not decode, is reported as undecodable: a blind spot, never a crash.
 */
import { decompress, isGzip, type Compression } from './compression.js';
import { mayBeZlib } from './compressionProbes.js';
import { DECODERS, DIGIT_GROUP, MIN_BLIND_BYTES, worthDecoding, type Decoder, type DecoderFactory, type LayerExpansion } from './decoders/index.js';
import { fieldAt, parseFormFields, type FormField } from './formFields.js';
import { jsonPath, scanJson, valueAt, type JsonScan } from './jsonStrings.js';
import { boundaryFromContentType, parseMultipart, sniffBoundary, type MultipartPart } from './multipartParts.js';
import { protobufStrings, type ProtobufStrings } from './protobufWire.js';
import { spanIndexAt } from './spanSearch.js';
import { firstNonSpace, isTextLike } from './textSniff.js';

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

export { MIN_BLIND_BYTES };

export const DEFAULT_BOUNDS: DecodeBounds = {
  maxDepth: 4,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxExpansion: 100,
  maxLayers: 10_000,
  maxChain: 16,
  maxBlindAttempts: 256,
};

export type Structure =
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
  /** A multipart part's Content-Transfer-Encoding (lower case), for the decoder of that encoding. */
  transferEncoding?: string;
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
  /** The decoder plug-ins, in order (default DECODERS, decoders/index.ts). */
  decoders?: readonly DecoderFactory[];
}

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
  transferEncoding?: string;
}

/**
 * How a layer's chain is made from its parent's: `label` appended (a decompression, a percent
 * view), or the parent's chain at an offset (field, JSON path) followed by `extra` labels.
 */
type ChainStep = { root: string } | { append: string } | { at: number; fieldsInStrings: boolean; extra: readonly string[] };

const NO_LABELS: readonly string[] = [];

class DecodedLayer implements Layer {
  changed?: Uint8Array;
  structure?: Structure;
  root?: RootPart;
  view?: boolean;
  transferEncoding?: string;
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
    if (spec.transferEncoding) layer.transferEncoding = spec.transferEncoding;
    if (parent && !spec.copied) layer.view = true;
    this.layers.push(layer);
    this.#stack.push(layer);
    return layer;
  }

  next(): DecodedLayer | undefined {
    return this.#stack.pop();
  }
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
  /** The decoder plug-ins, in table order (each built for this decoder's bounds and options). */
  readonly #decoders: readonly Decoder[];

  constructor(readonly options: LayerOptions = {}) {
    this.bounds = { ...DEFAULT_BOUNDS, ...options.bounds };
    const setup = { bounds: this.bounds, options };
    this.#decoders = (options.decoders ?? DECODERS).map((make) => make(setup));
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
      const next = this.decompressInto(run, current, kind, 'required', true);
      if (!next) return;
      next.root = root;
      current = next;
    }
  }

  /**
   * Decompressed child of `layer`. 'required': a header or magic number said so, failure is
   * undecodable. 'checked': the format has its own checksum (zlib's Adler-32), so a clean success is
   * proof, a failure means it was not zlib. 'blind': success counts only if the output is a format.
   * The chain says how the compression was known: `gzip (declared)` by the body's Content-Encoding,
   * `gzip (magic)` by the format's own leading bytes (gzip's 1f 8b 08,
   * zlib's checked 2-byte header, RFC 1952 §2.3.1 / RFC 1950 §2.2), `brotli (probed)` by trying a
   * format that has no magic number (brotli, raw deflate) and keeping only output of a known format.
   */
  /** @internal (for Expansion) */
  decompressInto(run: FlowDecoding, layer: DecodedLayer, kind: Compression, mode: 'required' | 'checked' | 'blind', declared = false): DecodedLayer | undefined {
    const required = mode === 'required';
    const name = COMPRESSION_LABEL[kind];
    const label = `${name} (${declared ? 'declared' : mode === 'blind' ? 'probed' : 'magic'})`;
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
            ? `${name} output over the flow's ${this.bounds.maxDecodedBytes}-byte decoding budget`
            : `${name} expands more than ${this.bounds.maxExpansion}x`
          : result.reason;
        const prefix = result.overBound ? result.prefix : undefined;
        // What decoded within the bound is searched (a declared stream's always; a found one's if it is a format).
        if (prefix && (required || worthDecoding(prefix))) {
          run.fail(chain(), `${why}: only its first ${prefix.length} decoded bytes were searched`);
          return run.add(layer, { bytes: prefix, step: { append: label }, depth: layer.depth + 1, originStart: 0, originEnd: layer.bytes.length, copied: true });
        }
        run.fail(chain(), why);
      }
      return undefined;
    }
    if (result.truncated && required) run.fail(chain(), result.reason);
    if (result.truncated && mode === 'blind') return undefined;
    if (mode === 'checked' && result.truncated) return undefined;
    if (mode === 'blind' && !worthDecoding(result.bytes) && sniffBoundary(result.bytes) === undefined && protobufStrings(result.bytes, isTextLike) === undefined) return undefined;
    return run.add(layer, { bytes: result.bytes, step: { append: label }, depth: layer.depth + 1, originStart: 0, originEnd: layer.bytes.length, copied: true });
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
    const x = new Expansion(this, run, layer, text, structure);
    for (const decoder of this.#decoders) if (decoder.applies(x)) decoder.expand(x);
  }
}

/** One layer's expansion: what the decoder plug-ins see and do (LayerExpansion). */
class Expansion implements LayerExpansion {
  readonly bytes: Buffer;
  readonly bounds: DecodeBounds;
  readonly options: LayerOptions;
  readonly wholeTextEnd: number;
  bareStrings: number[] | undefined;
  decompressed = false;
  readonly #covered: Array<[number, number]> = [];
  #sorted = true;
  #digits: DigitGroupCursor | undefined;

  constructor(
    readonly decoder: LayerDecoder,
    readonly flow: FlowDecoding,
    readonly layer: DecodedLayer,
    readonly text: boolean,
    readonly structure: Structure | undefined,
  ) {
    this.bytes = layer.bytes;
    this.bounds = decoder.bounds;
    this.options = decoder.options;
    // Structured text decodes field by field; plain text (and a URL's path) as a whole.
    this.wholeTextEnd = !text ? 0 : !structure ? this.bytes.length : structure.kind === 'fields' && structure.offset > 0 ? structure.offset - 1 : 0;
    // In a JSON document or protobuf message, strings holding digit groups get a layer, for its digits view.
    if (decoder.options.digitsViews && (structure?.kind === 'json' || structure?.kind === 'protobuf')) this.#digits = new DigitGroupCursor(digitGroupSpans(this.bytes));
  }

  digitGroupWithin(start: number, end: number): boolean {
    return this.#digits?.within(start, end) === true;
  }

  covered(): ReadonlyArray<readonly [number, number]> {
    if (!this.#sorted) {
      this.#covered.sort((x, y) => x[0] - y[0]);
      this.#sorted = true;
    }
    return this.#covered;
  }

  cover(start: number, end: number): void {
    const last = this.#covered[this.#covered.length - 1];
    if (last && last[0] > start) this.#sorted = false;
    this.#covered.push([start, end]);
  }

  view(start: number, end: number, bytes: Buffer, copied: boolean, depthAdd = 0, labels: readonly string[] = NO_LABELS, transferEncoding?: string): Layer | undefined {
    this.cover(start, end);
    return this.flow.add(this.layer, { bytes, step: { at: start, fieldsInStrings: false, extra: labels }, depth: this.layer.depth + depthAdd, originStart: start, originEnd: end, copied, transferEncoding });
  }

  run(start: number, end: number, bytes: Buffer, labels: readonly string[]): Layer | undefined {
    return this.flow.add(this.layer, { bytes, step: { at: start, fieldsInStrings: true, extra: labels }, depth: this.layer.depth + 1, originStart: start, originEnd: end, copied: true });
  }

  whole(end: number, bytes: Buffer, label: string, options: { depthAdd: number; changed?: Uint8Array; leaf?: boolean }): Layer | undefined {
    return this.flow.add(this.layer, { bytes, step: { append: label }, depth: this.layer.depth + options.depthAdd, originStart: 0, originEnd: end, copied: true, changed: options.changed, leaf: options.leaf });
  }

  decompress(kind: Compression, mode: 'required' | 'checked' | 'blind'): Layer | undefined {
    return this.decoder.decompressInto(this.flow, this.layer, kind, mode);
  }

  blindAttempt(): boolean {
    return this.flow.blindAttempt(this.layer, this.bounds.maxBlindAttempts);
  }

  fail(reason: string, chain: string[] = this.layer.chain): void {
    this.flow.fail(chain, reason);
  }

  chainAt(offset: number): string[] {
    return chainAt(this.layer, offset);
  }
}
