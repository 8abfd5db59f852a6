/**
 * The simulated phone's screen: a PNG drawn from the UI tree (screencap -p and the UiAutomator2
 * server's screenshots both use it).
 */
import type { UiNode } from '../ui.js';
import { encodeRgbPng } from './pngEncoder.js';
import { paintScreen, type Display } from './screenPainter.js';

export { paintScreen, type Display } from './screenPainter.js';
export { Canvas, type TextRun, type Rgb } from './canvas.js';
export { encodeRgbPng } from './pngEncoder.js';
export { glyphFor, fontCharacters, GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ADVANCE } from './bitmapFont.js';

const MAX_SIDE = 8192;

/** A PNG of the screen the tree describes, at the display's size. Deterministic: same tree, same bytes. */
export function renderScreen(root: UiNode, display: Display): Buffer {
  const { width, height } = display;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`cannot draw a ${width}x${height} screen: width and height must be whole numbers from 1 to ${MAX_SIDE}`);
  }
  const canvas = paintScreen(root, display);
  return encodeRgbPng(canvas.data, width, height);
}
