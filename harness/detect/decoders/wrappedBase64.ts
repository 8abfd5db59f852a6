/**
 * base64 broken into lines: Android's android.util.Base64 with its DEFAULT flag writes 76
 * characters per line, each ended by '\n' (CRLF with the CRLF flag) — AOSP
 * frameworks/base/core/java/android/util/Base64.java (Encoder.LINE_GROUPS = 19 groups of 4;
 * android-14.0.0_r1), and so do Java's MIME encoder (java.util.Base64.getMimeEncoder: 76 + CRLF)
 * and PEM (64). The line ends cut it into runs that each decode to a piece of the stream (a gzip
 * stream in pieces decodes to nothing), so a block of equal-length base64 lines is decoded as one.
 * Lines are full lines, or a line's tail for the first (`"data":"` before it) and a head for the last.
 */
import type { DecoderFactory } from './decoder.js';

const B64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') B64[c.charCodeAt(0)] = 1;

/** Shortest line length taken as a wrapping encoder's (PEM's 64, MIME's 76; some use 60 or 72). */
const MIN_LINE = 16;

export interface Base64Block {
  start: number;
  end: number;
  urlSafe: boolean;
}

/** Blocks of at least two base64 lines of one length (a multiple of 4) in b. */
export function wrappedBase64Blocks(b: Uint8Array): Base64Block[] {
  const blocks: Base64Block[] = [];
  let nl = b.indexOf(0x0a);
  while (nl >= 0) {
    // The first line: the base64 characters just before this newline (after an optional CR).
    const lineEnd = b[nl - 1] === 0x0d ? nl - 1 : nl;
    let start = lineEnd;
    while (start > 0 && B64[b[start - 1]!]) start--;
    const width = lineEnd - start;
    if (width < MIN_LINE || width % 4 !== 0) {
      nl = b.indexOf(0x0a, nl + 1);
      continue;
    }
    const crlf = lineEnd !== nl;
    // Following lines: full lines of `width`, then a last line of at most `width` (plus padding).
    let at = nl + 1;
    let lines = 1;
    let end = lineEnd;
    for (;;) {
      let i = at;
      while (i < b.length && B64[b[i]!]) i++;
      const w = i - at;
      const eol = crlf ? b[i] === 0x0d && b[i + 1] === 0x0a : b[i] === 0x0a;
      if (w === width && eol) {
        lines++;
        end = i;
        at = i + (crlf ? 2 : 1);
        continue;
      }
      if (w > 0 && w <= width) {
        let p = i;
        while (p < b.length && p - i < 2 && b[p] === 0x3d) p++;
        lines++;
        end = p;
      }
      break;
    }
    if (lines >= 2) {
      let urlSafe = false;
      for (let i = start; i < end && !urlSafe; i++) urlSafe = b[i] === 0x2d || b[i] === 0x5f;
      blocks.push({ start, end, urlSafe });
      nl = b.indexOf(0x0a, end);
    } else nl = b.indexOf(0x0a, nl + 1);
  }
  return blocks;
}

const BASE64 = ['base64'] as const;
const BASE64URL = ['base64url'] as const;

export const wrappedBase64: DecoderFactory = ({ bounds }) => ({
  name: 'base64 in lines',
  // JSON strings hold line breaks escaped: their unescaped layers are where such blocks are.
  applies: (x) => x.text && x.structure?.kind !== 'json' && x.bytes.includes(0x0a),
  expand(x) {
    const covered = x.covered();
    let c = 0;
    for (const block of wrappedBase64Blocks(x.bytes)) {
      // A span an earlier decoder took (a multipart part declared base64, a field) is decoded there.
      while (c < covered.length && covered[c]![1] <= block.start) c++;
      if (c < covered.length && covered[c]![0] < block.end) continue;
      if (x.layer.depth + 1 > bounds.maxDepth) {
        x.fail(`more than ${bounds.maxDepth} nested encodings`, [...x.chainAt(block.start), 'base64']);
        return;
      }
      // Node's base64 decoder skips the line breaks (and reads both alphabets).
      const decoded = Buffer.from(x.bytes.toString('latin1', block.start, block.end), 'base64');
      if (x.run(block.start, block.end, decoded, block.urlSafe ? BASE64URL : BASE64)) x.cover(block.start, block.end);
    }
  },
});
