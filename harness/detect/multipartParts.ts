/** multipart/form-data (and other multipart bodies): each part's name and body span. */

export interface MultipartPart {
  name: string;
  bodyStart: number;
  bodyEnd: number;
  contentEncoding?: string;
}

export function boundaryFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A body that starts with a boundary line (`--xyz\r\n`) names its own boundary. */
export function sniffBoundary(buf: Buffer): string | undefined {
  if (buf.length < 8 || buf[0] !== 0x2d || buf[1] !== 0x2d) return undefined;
  const eol = buf.indexOf(0x0a);
  if (eol < 3 || eol > 200) return undefined;
  const line = buf.toString('latin1', 2, buf[eol - 1] === 0x0d ? eol - 1 : eol);
  return /^[\w'()+,\-./:=?]{1,70}$/.test(line) ? line : undefined;
}

export function parseMultipart(buf: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from('--' + boundary, 'latin1');
  const parts: MultipartPart[] = [];
  let at = buf.indexOf(delimiter);
  if (at < 0) return undefined;
  let index = 0;
  while (at >= 0) {
    let p = at + delimiter.length;
    if (buf[p] === 0x2d && buf[p + 1] === 0x2d) break; // closing delimiter
    if (buf[p] === 0x0d) p++;
    if (buf[p] === 0x0a) p++;
    let headerEnd = buf.indexOf('\r\n\r\n', p, 'latin1');
    let bodyStart = headerEnd + 4;
    if (headerEnd < 0) {
      headerEnd = buf.indexOf('\n\n', p, 'latin1');
      bodyStart = headerEnd + 2;
    }
    if (headerEnd < 0) break;
    const headers = buf.toString('latin1', p, headerEnd);
    const next = buf.indexOf(delimiter, bodyStart);
    let bodyEnd = next < 0 ? buf.length : next;
    if (next >= 0) {
      if (buf[bodyEnd - 1] === 0x0a) bodyEnd--;
      if (buf[bodyEnd - 1] === 0x0d) bodyEnd--;
    }
    const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? /filename="([^"]*)"/i.exec(headers)?.[1] ?? String(index);
    const contentEncoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    parts.push({ name, bodyStart, bodyEnd: Math.max(bodyStart, bodyEnd), contentEncoding });
    index++;
    at = next;
  }
  return parts.length > 0 ? parts : undefined;
}
