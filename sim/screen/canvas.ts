import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyphFor } from './bitmapFont.js';

export type Rgb = readonly [number, number, number];

/** A run of text as drawn: where, at what scale, and which characters (tests read it back). */
export interface TextRun {
  text: string;
  x: number;
  y: number;
  scale: number;
  color: Rgb;
}

/** An RGBA pixel buffer with the few drawing operations a phone screen needs; everything clips to the canvas. */
export class Canvas {
  readonly data: Buffer;
  readonly runs: TextRun[] = [];

  constructor(readonly width: number, readonly height: number) {
    this.data = Buffer.alloc(width * height * 4, 255);
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    const row = Buffer.alloc((x1 - x0) * 4);
    for (let i = 0; i < x1 - x0; i++) {
      row[i * 4] = color[0];
      row[i * 4 + 1] = color[1];
      row[i * 4 + 2] = color[2];
      row[i * 4 + 3] = 255;
    }
    for (let yy = y0; yy < y1; yy++) row.copy(this.data, (yy * this.width + x0) * 4);
  }

  strokeRect(x: number, y: number, w: number, h: number, thickness: number, color: Rgb): void {
    this.fillRect(x, y, w, thickness, color);
    this.fillRect(x, y + h - thickness, w, thickness, color);
    this.fillRect(x, y, thickness, h, color);
    this.fillRect(x + w - thickness, y, thickness, h, color);
  }

  fillCircle(cx: number, cy: number, r: number, color: Rgb): void {
    for (let dy = -r; dy <= r; dy++) {
      const half = Math.floor(Math.sqrt(r * r - dy * dy));
      this.fillRect(cx - half, cy + dy, half * 2 + 1, 1, color);
    }
  }

  /** Darkens everything drawn so far (the scrim behind a dialog). */
  dim(factor: number): void {
    for (let i = 0; i < this.data.length; i += 4) {
      this.data[i] = Math.round(this.data[i]! * factor);
      this.data[i + 1] = Math.round(this.data[i + 1]! * factor);
      this.data[i + 2] = Math.round(this.data[i + 2]! * factor);
    }
  }

  /** Draws one line of text with its top-left at (x, y); returns its width in pixels. */
  text(text: string, x: number, y: number, scale: number, color: Rgb): number {
    const left = Math.round(x);
    const top = Math.round(y);
    [...text].forEach((ch, i) => {
      const glyph = glyphFor(ch);
      const gx = left + i * GLYPH_ADVANCE * scale;
      glyph.forEach((row, ry) =>
        row.forEach((on, rx) => {
          if (on) this.fillRect(gx + rx * scale, top + ry * scale, scale, scale, color);
        }),
      );
    });
    this.runs.push({ text, x: left, y: top, scale, color });
    return textWidth(text, scale);
  }
}

export function textWidth(text: string, scale: number): number {
  return [...text].length * GLYPH_ADVANCE * scale;
}

export function lineHeight(scale: number): number {
  return (GLYPH_HEIGHT + 3) * scale;
}

/** The longest prefix of `text` that fits in `width` px, ending in `...` when cut. */
export function fitText(text: string, width: number, scale: number): string {
  const chars = [...text.replace(/\s+/g, ' ')];
  const max = Math.floor(width / (GLYPH_ADVANCE * scale));
  if (chars.length <= max) return chars.join('');
  if (max <= 3) return chars.slice(0, Math.max(0, max)).join('');
  return chars.slice(0, max - 3).join('') + '...';
}

/** Word-wrapped lines of `text` for a box `width` px wide, at most `maxLines` (the last one cut with `...`). */
export function wrapText(text: string, width: number, scale: number, maxLines: number): string[] {
  const max = Math.max(1, Math.floor(width / (GLYPH_ADVANCE * scale)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    let w = word;
    while ([...w].length > max) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push([...w].slice(0, max).join(''));
      w = [...w].slice(max).join('');
    }
    if (!line) line = w;
    else if ([...line].length + 1 + [...w].length <= max) line += ' ' + w;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = fitText(kept[maxLines - 1]! + ' ' + lines[maxLines]!, width, scale).replace(/(\.\.\.)?$/, '...');
    return kept.map((l) => fitText(l, width, scale));
  }
  return lines;
}
