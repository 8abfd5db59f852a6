import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { encodeApng, pngToFrame, readApngStructure, scaleRgba, ScreenRecorder, type RgbFrame } from '../../harness/drive/index.js';
import { dumpDom } from '../report/headlessChromium.js';

const W = 40;
const H = 60;

/** A W×H frame of one colour with a square of another at (x, y). */
function frame(bg: [number, number, number], square?: { x: number; y: number; rgb: [number, number, number] }, delayMs = 500): RgbFrame {
  const rgb = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(bg, i * 3);
  if (square) for (let y = square.y; y < square.y + 8; y++) for (let x = square.x; x < square.x + 8; x++) rgb.set(square.rgb, (y * W + x) * 3);
  return { width: W, height: H, rgb, delayMs };
}

/** The frames a player shows, composed from the chunks as the APNG spec says (dispose NONE, blend SOURCE). */
function playFrames(apng: Buffer): Buffer[] {
  const { width, height } = readApngStructure(apng);
  const canvas = Buffer.alloc(width * height * 3);
  const shown: Buffer[] = [];
  let at = 8;
  let region: { x: number; y: number; w: number; h: number } | undefined;
  while (at < apng.length) {
    const length = apng.readUInt32BE(at);
    const type = apng.toString('ascii', at + 4, at + 8);
    const data = apng.subarray(at + 8, at + 8 + length);
    if (type === 'fcTL') region = { w: data.readUInt32BE(4), h: data.readUInt32BE(8), x: data.readUInt32BE(12), y: data.readUInt32BE(16) };
    if ((type === 'IDAT' || type === 'fdAT') && region) {
      const raw = zlib.inflateSync(type === 'IDAT' ? data : data.subarray(4));
      for (let y = 0; y < region.h; y++) {
        expect(raw[y * (region.w * 3 + 1)], 'filter byte').to.equal(0);
        raw.copy(canvas, ((region.y + y) * width + region.x) * 3, y * (region.w * 3 + 1) + 1, (y + 1) * (region.w * 3 + 1));
      }
      shown.push(Buffer.from(canvas));
    }
    at += 12 + length;
  }
  return shown;
}

function pngOf(f: RgbFrame): Buffer {
  const png = new PNG({ width: f.width, height: f.height });
  for (let i = 0; i < f.width * f.height; i++) {
    png.data[i * 4] = f.rgb[i * 3]!;
    png.data[i * 4 + 1] = f.rgb[i * 3 + 1]!;
    png.data[i * 4 + 2] = f.rgb[i * 3 + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

describe('a visit\'s screen recording is an animated PNG', () => {
  const a = frame([255, 255, 255]);
  const b = frame([255, 255, 255], { x: 4, y: 10, rgb: [200, 0, 0] });
  const c = frame([255, 255, 255], { x: 24, y: 40, rgb: [0, 0, 200] });

  it('stores each frame after the first as the rectangle that changed, and merges a repeated frame into a longer one', () => {
    const apng = encodeApng([a, b, { ...b, delayMs: 300 }, c]);
    const structure = readApngStructure(apng);
    expect(structure).to.include({ width: W, height: H, plays: 1 });
    expect(structure.frames.map((f) => [f.x, f.y, f.width, f.height, f.delayMs])).to.deep.equal([
      [0, 0, W, H, 500],
      [4, 10, 8, 8, 800],
      // c differs from b in both squares: the rectangle spans them.
      [4, 10, 28, 38, 500],
    ]);
    const shown = playFrames(apng);
    expect(shown.map((s) => s.equals(a.rgb))).to.deep.equal([true, false, false]);
    expect(shown[1]!.equals(b.rgb)).to.equal(true);
    expect(shown[2]!.equals(c.rgb)).to.equal(true);
    // A decoder without APNG support (pngjs) reads the first frame as the still image.
    const still = PNG.sync.read(apng);
    expect([still.width, still.height, still.data[0], still.data[1], still.data[2]]).to.deep.equal([W, H, 255, 255, 255]);
  });

  it("Chromium's own image decoder plays it: three frames, each showing its square", async function () {
    this.timeout(120_000);
    const apng = encodeApng([a, b, c]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-apng-'));
    try {
      const page = path.join(dir, 'play.html');
      // WebCodecs' ImageDecoder composes APNG frames as a browser shows them; each frame's pixels at the squares are read back.
      await writeFile(page, `<!doctype html><body><pre id="out">pending</pre><script>
(async () => {
  const bytes = Uint8Array.from(atob('${apng.toString('base64')}'), (ch) => ch.charCodeAt(0));
  const decoder = new ImageDecoder({ data: bytes, type: 'image/png' });
  await decoder.tracks.ready;
  const track = decoder.tracks.selectedTrack;
  await decoder.completed;
  const out = { animated: track.animated, frames: track.frameCount, pixels: [] };
  const canvas = new OffscreenCanvas(${W}, ${H});
  const ctx = canvas.getContext('2d');
  for (let i = 0; i < track.frameCount; i++) {
    const { image } = await decoder.decode({ frameIndex: i });
    ctx.drawImage(image, 0, 0);
    const px = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)).join(',');
    out.pixels.push([px(6, 12), px(26, 42), image.duration / 1000]);
    image.close();
  }
  document.getElementById('out').textContent = JSON.stringify(out);
})().catch((e) => { document.getElementById('out').textContent = 'error ' + e; });
</script></body>`);
      // Virtual time does not wait for the decoder's own thread: on a loaded machine the DOM may be
      // dumped before it answered ('pending'), so that case (only) is asked again, at most 3 times.
      let dom = '';
      let text = 'pending';
      for (let attempt = 0; attempt < 3 && text === 'pending'; attempt++) {
        dom = await dumpDom(page, 20_000);
        text = /<pre id="out">(.*?)<\/pre>/s.exec(dom)?.[1] ?? dom;
      }
      expect(text).to.match(/^\{/, dom.slice(0, 3000));
      const out = JSON.parse(text) as { animated: boolean; frames: number; pixels: Array<[string, string, number]> };
      expect(out.animated).to.equal(true);
      expect(out.frames).to.equal(3);
      expect(out.pixels.map((p) => [p[0], p[1]])).to.deep.equal([
        ['255,255,255', '255,255,255'],
        ['200,0,0', '255,255,255'],
        ['255,255,255', '0,0,200'],
      ]);
      expect(out.pixels.map((p) => p[2])).to.deep.equal([500, 500, 500]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the recorder takes frames while the visit runs, ends on the final screen, and keeps within its frame bound', async () => {
    const screens = [a, b, c].map(pngOf);
    let grabs = 0;
    const recorder = new ScreenRecorder(async () => screens[Math.min(grabs++, 1)]!, { intervalMs: 20, maxFrames: 4, maxWidth: W });
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const recording = await recorder.stop(screens[2]);
    expect(recording, 'no recording').to.not.equal(undefined);
    // Three frames taken (the bound keeps one place for the final screen), then the final one.
    expect(grabs).to.equal(3);
    expect(recording!.frames).to.equal(4);
    expect(recording!.notes.join(' ')).to.match(/frame bound reached \(4 frames\)/);
    const shown = playFrames(recording!.apng);
    expect(shown[0]!.equals(a.rgb)).to.equal(true);
    expect(shown[shown.length - 1]!.equals(c.rgb)).to.equal(true);
  });

  it('frames are scaled down to the width bound, and a recording over the byte bound drops frames until it fits', async () => {
    // Noise does not compress: each 40×60 frame costs about 7 kB.
    const noisy = (seed: number): RgbFrame => {
      const f = frame([0, 0, 0]);
      for (let i = 0; i < f.rgb.length; i++) f.rgb[i] = (i * 7919 + seed * 104729) % 251;
      return f;
    };
    const screens = [1, 2, 3, 4, 5, 6].map((s) => pngOf(noisy(s)));
    let grabs = 0;
    const recorder = new ScreenRecorder(async () => screens[grabs++ % 5]!, { intervalMs: 5, maxFrames: 6, maxWidth: 20, maxBytes: 4000 });
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const recording = (await recorder.stop(screens[5]))!;
    const structure = readApngStructure(recording.apng);
    expect([structure.width, structure.height]).to.deep.equal([20, 30]);
    expect(recording.apng.length).to.be.at.most(4000);
    expect(structure.frames.length).to.be.lessThan(6);
    expect(recording.notes.join(' ')).to.match(/frames left out to stay under 4000 bytes/);
  });

  it('the fast decoder of 8-bit RGB/RGBA screenshots agrees with pngjs for every PNG row filter', () => {
    const noisy = frame([0, 0, 0]);
    for (let i = 0; i < noisy.rgb.length; i++) noisy.rgb[i] = (i * 7919) % 251;
    const rgba = PNG.sync.read(pngOf(noisy));
    for (const colorType of [2, 6] as const) {
      for (const filterType of [0, 1, 2, 3, 4]) {
        const png = PNG.sync.write(rgba, { colorType, filterType, inputHasAlpha: true });
        const expected = scaleRgba(PNG.sync.read(png).data, W, H, 16);
        expect(pngToFrame(png, 16).rgb.equals(expected.rgb), `colour type ${colorType}, filter ${filterType}`).to.equal(true);
      }
    }
    // Anything else (here 16-bit) still decodes, through pngjs.
    const deep = PNG.sync.write(rgba, { colorType: 2, bitDepth: 16, inputHasAlpha: true });
    expect(pngToFrame(deep, W).width).to.equal(W);
  });

  it('a phone that refuses screenshots gives no recording and a note saying why, without failing', async () => {
    const recorder = new ScreenRecorder(async () => {
      throw new Error('adb screencap on emulator-5554: closed');
    });
    recorder.start();
    expect(await recorder.stop()).to.equal(undefined);
    expect(recorder.reasons.join(' ')).to.match(/was not taken: adb screencap on emulator-5554: closed/);
  });
});
