/**
 * The one interface every decoder plug-in implements. LayerDecoder finds a layer's structure (JSON,
 * fields, multipart, protobuf), then offers the layer to each decoder of the table in
 * `decoders/index.ts`, in order: a decoder says whether it applies and, if so, yields child layers
 * through the expansion (with the span of the parent they came from and their chain labels).
 * Adding an encoding is adding a file and a table entry.
 */
import type { Compression } from '../compression.js';
import type { DecodeBounds, Layer, LayerOptions, Structure } from '../flowLayers.js';

/** A layer being expanded, and what a decoder may do with it. */
export interface LayerExpansion {
  readonly layer: Layer;
  readonly bytes: Buffer;
  /** isTextLike(bytes). */
  readonly text: boolean;
  readonly structure: Structure | undefined;
  readonly bounds: DecodeBounds;
  readonly options: LayerOptions;
  /**
   * End of the part of a text layer decoded as a whole (percent, digits): all of unstructured
   * text, a URL's path before its query, 0 for structured text (its fields have layers).
   */
  readonly wholeTextEnd: number;
  /** For JSON and protobuf layers when digit views are on: does [start, end) hold a digit group? Offsets rise call by call. */
  digitGroupWithin(start: number, end: number): boolean;
  /** Protobuf strings (by index) long enough for runs, with no layer of their own: runs are found in them. */
  bareStrings: number[] | undefined;
  /** Set by a decompression decoder that produced a layer (later ones do not try). */
  decompressed: boolean;
  /** Spans already decoded by an earlier decoder, sorted by start: runs inside them are not decoded again. */
  covered(): ReadonlyArray<readonly [number, number]>;
  cover(start: number, end: number): void;
  /**
   * A child layer for bytes[start, end): `bytes` is that span itself (copied false: a view, whose
   * matches are the parent's) or its decoding (copied true). Its chain is the parent's at `start`
   * (field, JSON path) plus `labels`. Covers the span.
   */
  view(start: number, end: number, bytes: Buffer, copied: boolean, depthAdd?: number, labels?: readonly string[], transferEncoding?: string): Layer | undefined;
  /** A decoded run inside the layer: chain at `start` with the fields of a string named, plus `labels`. Depth + 1. */
  run(start: number, end: number, bytes: Buffer, labels: readonly string[]): Layer | undefined;
  /** A decoding of bytes[0, end) as a whole (percent view, digits view): the parent's chain plus `label`. */
  whole(end: number, bytes: Buffer, label: string, options: { depthAdd: number; changed?: Uint8Array; leaf?: boolean }): Layer | undefined;
  /** Decompressed child (see LayerDecoder): 'required' failures are undecodable, 'checked' / 'blind' ones are not. */
  decompress(kind: Compression, mode: 'required' | 'checked' | 'blind'): Layer | undefined;
  /** Counts a blind decompression attempt against the flow's bound; false past it. */
  blindAttempt(): boolean;
  /** Records a part that could not be decoded (default: this layer's chain). */
  fail(reason: string, chain?: string[]): void;
  /** The chain naming an offset of this layer (field, JSON path, protobuf path). */
  chainAt(offset: number): string[];
}

export interface Decoder {
  /** What it decodes, for tests and the README (e.g. 'quoted-printable'). */
  readonly name: string;
  /** Cheap: does this decoder have anything to do on this layer? */
  applies(x: LayerExpansion): boolean;
  /** Yields child layers through `x`. */
  expand(x: LayerExpansion): void;
}

/** Built once per LayerDecoder (a decoder may keep scratch space; no state is shared between decoders). */
export type DecoderFactory = (setup: { bounds: DecodeBounds; options: LayerOptions }) => Decoder;
