/**
 * base64 / base64url / hex runs not already inside a decoded field or string (encodedRuns.ts finds
 * them). Binary of no known format is skipped: runs there are chance (the matcher still sees
 * encoded canaries). In a protobuf message, only inside strings: a length byte may read as a run
 * character. Short runs are decoded into scratch space first and kept only if they matter.
 */
import { decodedRunLength, decodeRun, decodeRunInto, findEncodedRuns, type EncodedRun } from '../encodedRuns.js';
import type { ProtobufStrings } from '../protobufWire.js';
import type { DecoderFactory } from './decoder.js';
import { leadsNowhere, worthDecoding } from './formatSniff.js';

/** Decoded runs up to this many bytes are decoded into scratch space first, and kept only if they matter. */
const SCRATCH_BYTES = 1024;

const RUN_LABELS: Record<EncodedRun['kind'], readonly string[]> = { base64: ['base64'], base64url: ['base64url'], hex: ['hex'] };

/** Runs inside the given strings of a protobuf message (by index), each string's ends taken as hard edges. */
function runsInStrings(b: Buffer, strings: ProtobufStrings, which: readonly number[] | undefined): EncodedRun[] {
  const runs: EncodedRun[] = [];
  for (const i of which ?? []) {
    const start = strings.starts[i]!;
    for (const r of findEncodedRuns(b.subarray(start, strings.ends[i]))) runs.push({ ...r, start: r.start + start, end: r.end + start });
  }
  return runs;
}

export const base64Hex: DecoderFactory = ({ bounds, options }) => {
  // decode() is synchronous, so one scratch buffer per LayerDecoder serves every run.
  const scratch = new Uint8Array(SCRATCH_BYTES);
  /** Views of the scratch space by length, made once: a view per run would be garbage per run. */
  const scratchViews: Uint8Array[] = [];
  const holdsPattern = options.holdsPattern;
  return {
    name: 'base64-hex',
    applies: (x) => (x.structure?.kind === 'protobuf' ? x.bareStrings !== undefined : x.text || x.structure !== undefined),
    expand(x) {
      const b = x.bytes;
      const s = x.structure;
      const runs = s?.kind === 'protobuf' ? runsInStrings(b, s.strings, x.bareStrings) : findEncodedRuns(b, x.covered());
      for (const r of runs) {
        const length = decodedRunLength(b, r);
        if (length < 4) continue;
        let decoded: Buffer;
        if (length <= SCRATCH_BYTES && holdsPattern) {
          const written = decodeRunInto(b, r, scratch);
          const bytes = (scratchViews[written] ??= scratch.subarray(0, written));
          if (r.digitsOnly && !worthDecoding(bytes)) continue;
          // Most runs are ids and hashes: bytes that hold no canary and decode no further need no layer.
          if (leadsNowhere(bytes, bounds.maxExpansion) && !holdsPattern(bytes)) continue;
          decoded = Buffer.from(bytes);
        } else {
          decoded = decodeRun(b, r);
          if (r.digitsOnly && !worthDecoding(decoded)) continue;
        }
        if (x.layer.depth + 1 > bounds.maxDepth) {
          if (worthDecoding(decoded)) x.fail(`more than ${bounds.maxDepth} nested encodings`, [...x.chainAt(r.start), r.kind]);
          continue;
        }
        // Binary that is no known format may still be brotli or raw deflate: its expansion tries those.
        x.run(r.start, r.end, decoded, RUN_LABELS[r.kind]);
      }
    },
  };
};
