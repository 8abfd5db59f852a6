/**
 * Quoted-printable (RFC 2045 §6.7): '=XX' is a byte, '=' at a line's end (before CRLF or LF, after
 * optional spaces) is a soft line break. Decoded where a multipart part declares it
 * (Content-Transfer-Encoding: quoted-printable, RFC 2045 §6.1; RFC 7578 §4.7 still sees it in
 * form-data) and in unstructured text that has both soft line breaks and escapes. Lower-case hex is accepted, as
 * RFC 2045 §6.7 (1) asks robust decoders to. `changed` marks decoded bytes (and the byte after
 * a removed soft break), so matches on bytes QP left alone are the parent's.
 */
import type { DecoderFactory } from './decoder.js';

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX['0123456789ABCDEF'.charCodeAt(c)] = c;
  HEX['0123456789abcdef'.charCodeAt(c)] = c;
}

const SOFT_BREAK_LF = Buffer.from('=\n', 'latin1');
const SOFT_BREAK_CRLF = Buffer.from('=\r\n', 'latin1');

export interface QuotedPrintable {
  bytes: Buffer;
  changed: Uint8Array;
  /** '=XX' escapes decoded. */
  escapes: number;
  /** Soft line breaks removed. */
  softBreaks: number;
}

export function decodeQuotedPrintable(b: Uint8Array): QuotedPrintable {
  const out = Buffer.allocUnsafe(b.length);
  const changed = new Uint8Array(b.length);
  let o = 0;
  let escapes = 0;
  let softBreaks = 0;
  let markNext = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x3d) {
      const hi = HEX[b[i + 1] ?? 0]!;
      const lo = HEX[b[i + 2] ?? 0]!;
      if (hi >= 0 && lo >= 0) {
        changed[o] = 1;
        out[o++] = (hi << 4) | lo;
        i += 2;
        escapes++;
        markNext = false;
        continue;
      }
      // Soft line break: '=', transport padding (spaces, tabs), then CRLF or LF.
      let j = i + 1;
      while (b[j] === 0x20 || b[j] === 0x09) j++;
      if (b[j] === 0x0d && b[j + 1] === 0x0a) j++;
      if (b[j] === 0x0a) {
        i = j;
        softBreaks++;
        markNext = true;
        continue;
      }
    }
    if (markNext) changed[o] = 1;
    markNext = false;
    out[o++] = c;
  }
  return { bytes: out.subarray(0, o), changed: changed.subarray(0, o), escapes, softBreaks };
}

export const quotedPrintable: DecoderFactory = ({ bounds }) => ({
  name: 'quoted-printable',
  applies: (x) =>
    x.text &&
    (x.layer.transferEncoding === 'quoted-printable' ||
      // Undeclared: unstructured text with soft line breaks that no earlier decoder took (base64
      // lines end in '=' padding too).
      (x.structure === undefined && x.covered().length === 0 && (x.bytes.includes(SOFT_BREAK_CRLF) || x.bytes.includes(SOFT_BREAK_LF)))),
  expand(x) {
    const declared = x.layer.transferEncoding === 'quoted-printable';
    const qp = decodeQuotedPrintable(x.bytes);
    // Undeclared QP needs both signs: a soft break alone is base64 padding before a line end.
    if (declared ? qp.escapes + qp.softBreaks === 0 : qp.escapes === 0 || qp.softBreaks === 0) return;
    if (x.layer.depth + 1 > bounds.maxDepth) {
      x.fail(`more than ${bounds.maxDepth} nested encodings`, [...x.layer.chain, 'quoted-printable']);
      return;
    }
    if (x.whole(x.bytes.length, qp.bytes, 'quoted-printable', { depthAdd: 1, changed: qp.changed })) x.cover(0, x.bytes.length);
  },
});
