import { expect } from 'chai';
import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, fontCharacters, glyphFor, paintScreen, renderScreen, type TextRun } from '../../sim/screen/index.js';
import { browserTree, DISPLAY } from './uiautomator-support/browserTree.js';

type Decoded = { width: number; height: number; data: Buffer };

function pixel(png: Decoded, x: number, y: number): [number, number, number] {
  const i = (y * png.width + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

/** Reads one drawn text run back out of the pixels, glyph by glyph (an exact-font OCR). */
function readRun(png: Decoded, run: TextRun): string {
  const chars = fontCharacters();
  let out = '';
  for (let i = 0; i < [...run.text].length; i++) {
    const x0 = run.x + i * GLYPH_ADVANCE * run.scale;
    const ink = (rx: number, ry: number) => {
      const [r, g, b] = pixel(png, x0 + rx * run.scale + (run.scale >> 1), run.y + ry * run.scale + (run.scale >> 1));
      return r === run.color[0] && g === run.color[1] && b === run.color[2];
    };
    const match = chars.find((ch) => glyphFor(ch).every((row, ry) => row.every((on, rx) => on === ink(rx, ry))));
    out += match ?? '\u25a1';
  }
  return out;
}

function decode(tree = browserTree()): Decoded {
  return PNG.sync.read(renderScreen(tree, DISPLAY));
}

describe('sim/screen: screenshots are PNGs a person (and a test) can read', () => {
  it('draws a decodable PNG of the display size, the same bytes for the same tree and different ones when the URL changes', () => {
    const a = renderScreen(browserTree({ url: 'https://a.example/' }), DISPLAY);
    const again = renderScreen(browserTree({ url: 'https://a.example/' }), DISPLAY);
    const b = renderScreen(browserTree({ url: 'https://b.example/' }), DISPLAY);
    expect(a.subarray(0, 8).toString('latin1')).to.equal('\x89PNG\r\n\x1a\n');
    const png = PNG.sync.read(a);
    expect([png.width, png.height]).to.deep.equal([1080, 2340]);
    expect(a.equals(again)).to.equal(true);
    expect(a.equals(b)).to.equal(false);
  });

  it('writes the address bar, page title and page text in pixels that read back as the same text', () => {
    const url = 'https://news.example/story?id=42&r=1';
    const tree = browserTree({ url, title: 'Example News: Story 42', pageText: 'Breaking: the quick brown fox jumps over the lazy dog. (0123456789) [~!@#$%^&*_+=|;:,.<>/?]' });
    const png = PNG.sync.read(renderScreen(tree, DISPLAY));
    const runs = paintScreen(tree, DISPLAY).runs;
    const texts = runs.map((r) => r.text);
    expect(texts).to.include(url);
    expect(texts).to.include('Example News: Story 42');
    expect(texts.join(' ')).to.contain('Breaking: the quick brown fox');
    for (const run of runs) expect(readRun(png, run), `run at ${run.x},${run.y}`).to.equal(run.text);
    // The title is drawn larger than the address bar.
    const title = runs.find((r) => r.text.startsWith('Example News'))!;
    const address = runs.find((r) => r.text === url)!;
    expect(title.scale).to.be.greaterThan(address.scale);
    expect(address.y + GLYPH_HEIGHT * address.scale).to.be.lessThan(title.y);
  });

  it('shows the hint in an empty address bar and cuts text that does not fit with ...', () => {
    const empty = paintScreen(browserTree(), DISPLAY).runs.map((r) => r.text);
    expect(empty).to.include('Search or type URL');
    const long = `https://long.example/${'x'.repeat(300)}`;
    const run = paintScreen(browserTree({ url: long }), DISPLAY).runs.find((r) => r.text.startsWith('https://long.example/'))!;
    expect(run.text.endsWith('...')).to.equal(true);
    expect(run.x + run.text.length * GLYPH_ADVANCE * run.scale).to.be.at.most(794);
  });

  it('marks incognito: a dark toolbar and the purple badge where the indicator is; none in normal mode', () => {
    const normal = decode(browserTree({ url: 'https://a.example/' }));
    const incognito = decode(browserTree({ url: 'https://a.example/', incognito: true }));
    const toolbarPixel = (png: Decoded) => pixel(png, 540, 212);
    expect(toolbarPixel(normal)).to.deep.equal([241, 243, 244]);
    expect(toolbarPixel(incognito)).to.deep.equal([53, 54, 58]);
    const purple = (png: Decoded) => {
      let n = 0;
      for (let y = 93; y < 204; y++) for (let x = 22; x < 121; x++) if (pixel(png, x, y).join() === '94,53,177') n++;
      return n;
    };
    expect(purple(incognito)).to.be.greaterThan(2000);
    expect(purple(normal)).to.equal(0);
  });

  it('draws the menu sheet entries and a first-run dialog over a dimmed screen', () => {
    const menu = paintScreen(browserTree({ menu: true, incognito: true }), DISPLAY).runs.map((r) => r.text);
    expect(menu).to.include.members(['Exit incognito mode', 'Settings']);
    const dialogTree = browserTree({ dialog: { title: 'Welcome to Mi Browser', text: 'By tapping Agree you accept the user agreement and the privacy policy of this browser.', button: 'Agree' } });
    const png = decode(dialogTree);
    const runs = paintScreen(dialogTree, DISPLAY).runs;
    expect(runs.map((r) => r.text)).to.include.members(['Welcome to Mi Browser', 'Agree']);
    expect(runs.filter((r) => r.y >= 984 && r.y < 1248).length).to.be.greaterThan(1); // the message wraps
    for (const run of runs) expect(readRun(png, run)).to.equal(run.text);
    const outside = pixel(png, 20, 2000);
    expect(outside[0]).to.be.lessThan(200); // the scrim
    expect(pixel(png, 300, 1300)).to.deep.equal([255, 255, 255]); // the dialog panel
  });

  it('draws characters outside the font as boxes and refuses impossible display sizes with a clear error', () => {
    const runs = paintScreen(browserTree({ url: 'https://bücher.example/ü' }), DISPLAY).runs;
    expect(runs.some((r) => r.text.includes('ü'))).to.equal(true);
    expect(GLYPH_WIDTH).to.equal(5);
    expect(() => renderScreen(browserTree(), { width: 0, height: 10, density: 160 })).to.throw(/cannot draw a 0x10 screen/);
    expect(() => renderScreen(browserTree(), { width: 100000, height: 10, density: 160 })).to.throw(/whole numbers from 1 to 8192/);
  });
});
