/**
 * Multipart parts: each body is a layer named by its part. A part's Content-Transfer-Encoding
 * (RFC 2045 §6: base64, quoted-printable) is decoded: base64 here (its lines break runs), and
 * quoted-printable by its own decoder, which reads the transfer encoding the part layer carries.
 */
import type { DecoderFactory } from './decoder.js';

const BASE64 = ['base64'] as const;

export const multipartParts: DecoderFactory = () => ({
  name: 'multipart',
  applies: (x) => x.structure?.kind === 'multipart',
  expand(x) {
    const s = x.structure;
    if (s?.kind !== 'multipart') return;
    for (const p of s.parts) {
      const raw = x.bytes.subarray(p.bodyStart, p.bodyEnd);
      if (p.contentEncoding === 'base64') x.view(p.bodyStart, p.bodyEnd, Buffer.from(raw.toString('latin1'), 'base64'), true, 1, BASE64);
      else x.view(p.bodyStart, p.bodyEnd, raw, false, 0, undefined, p.contentEncoding);
    }
  },
});
