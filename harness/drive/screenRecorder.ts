import { encodeApng, pngToFrame, type RgbFrame } from './animatedPng.js';

/**
 * Bounds of a visit's screen recording (README "What the screen showed"). A frame is taken, then
 * the next one `intervalMs` after the previous one started (never two at once: on a slow phone the
 * rate drops by itself). Recording stops taking frames at `maxFrames` or `maxDurationMs`, whichever
 * comes first (the screen the visit left is still added as the last frame); an encoded recording over
 * `maxBytes` keeps every other frame until it fits.
 */
export interface RecordingLimits {
  intervalMs: number;
  maxFrames: number;
  maxDurationMs: number;
  maxBytes: number;
  /** Frames are scaled down to this width (pixels), height in proportion. */
  maxWidth: number;
}

export const DEFAULT_RECORDING_LIMITS: RecordingLimits = {
  intervalMs: 1000,
  maxFrames: 60,
  maxDurationMs: 60_000,
  maxBytes: 4 * 1024 * 1024,
  maxWidth: 360,
};

/** How long the last frame is held (the animation plays once and then shows it for good). */
const LAST_FRAME_MS = 1000;

export interface Recording {
  apng: Buffer;
  /** Frames taken (before identical ones were merged). */
  frames: number;
  durationMs: number;
  /** Why frames were left out, when they were (a bound reached, a frame the phone did not give). */
  notes: string[];
}

interface Taken {
  frame: Omit<RgbFrame, 'delayMs'>;
  at: number;
  /** The PNG as the phone gave it: the same bytes again are the same frame, not decoded twice. */
  png: Buffer;
}

/**
 * Records the screen while a visit runs, from screenshots (`screencap -p` over adb works the same on
 * real phones, emulators and the simulator, and needs no Appium session): start() begins taking
 * frames in the background, stop() adds the final screen and assembles an animated PNG. A frame the
 * phone fails to give is skipped with a note; recording never fails the visit.
 */
export class ScreenRecorder {
  private readonly grab: () => Promise<Buffer>;
  private readonly limits: RecordingLimits;
  private readonly taken: Taken[] = [];
  private readonly notes: string[] = [];
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private t0 = 0;

  constructor(grab: () => Promise<Buffer>, limits: Partial<RecordingLimits> = {}) {
    this.grab = grab;
    this.limits = { ...DEFAULT_RECORDING_LIMITS, ...limits };
  }

  start(): void {
    if (this.loop) return;
    this.t0 = Date.now();
    this.loop = this.run();
  }

  /**
   * Stops taking frames and returns the recording, with `finalPng` (the screen the visit left, taken
   * anyway as its screenshot) as its last frame; undefined when there is no frame at all.
   */
  async stop(finalPng?: Buffer): Promise<Recording | undefined> {
    await this.halt();
    if (finalPng) this.add(finalPng, Date.now());
    if (this.taken.length === 0) return undefined;
    const frames = this.taken.map(({ frame, at }, i) => ({ ...frame, delayMs: i + 1 < this.taken.length ? this.taken[i + 1]!.at - at : LAST_FRAME_MS }));
    let apng = encodeApng(frames);
    // Over the size bound: every other frame goes (first and last stay), their time given to the frame before.
    let kept = frames;
    while (apng.length > this.limits.maxBytes && kept.length > 1) {
      const thinner: RgbFrame[] = [];
      kept.forEach((f, i) => {
        if (i === 0 || i === kept.length - 1 || i % 2 === 0) thinner.push({ ...f });
        else thinner[thinner.length - 1]!.delayMs += f.delayMs;
      });
      if (thinner.length === kept.length) thinner.splice(1, thinner.length - 2);
      kept = thinner;
      apng = encodeApng(kept);
    }
    if (kept.length < frames.length) this.notes.push(`${frames.length - kept.length} of ${frames.length} frames left out to stay under ${this.limits.maxBytes} bytes`);
    if (apng.length > this.limits.maxBytes) {
      this.notes.push(`even one frame is ${apng.length} bytes, over the ${this.limits.maxBytes}-byte bound: no recording kept`);
      return undefined;
    }
    return { apng, frames: this.taken.length, durationMs: this.taken[this.taken.length - 1]!.at - this.t0, notes: [...this.notes] };
  }

  /** Stops taking frames (the visit is over); a frame being taken is dropped unless it is the only one. */
  async halt(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Notes so far (a bound reached, a skipped frame). */
  get reasons(): readonly string[] {
    return this.notes;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.taken.length >= this.limits.maxFrames - 1) {
        this.notes.push(`frame bound reached (${this.limits.maxFrames} frames): later frames were not taken`);
        return;
      }
      if (Date.now() - this.t0 >= this.limits.maxDurationMs) {
        this.notes.push(`duration bound reached (${this.limits.maxDurationMs} ms): later frames were not taken`);
        return;
      }
      const at = Date.now();
      try {
        const png = await this.grab();
        if (this.stopped && this.taken.length > 0) return; // the final screen comes from stop()
        this.add(png, at);
      } catch (error) {
        this.notes.push(`a frame at +${at - this.t0} ms was not taken: ${(error as Error).message.split('\n')[0]}`);
        // A phone that refuses screenshots refuses the next one too: stop asking.
        return;
      }
      const wait = this.limits.intervalMs - (Date.now() - at);
      if (wait > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private add(png: Buffer, at: number): void {
    // An unchanged screen (a deterministic screencap gives the same bytes) costs no decoding: the
    // encoder merges it into the frame before.
    const last = this.taken[this.taken.length - 1];
    if (last && last.png.equals(png)) {
      this.taken.push({ frame: last.frame, at, png: last.png });
      return;
    }
    let frame: Omit<RgbFrame, 'delayMs'>;
    try {
      frame = pngToFrame(png, this.limits.maxWidth);
    } catch (error) {
      this.notes.push(`a frame at +${at - this.t0} ms is not a readable PNG (${(error as Error).message})`);
      return;
    }
    const first = this.taken[0]?.frame;
    if (first && (first.width !== frame.width || first.height !== frame.height)) {
      this.notes.push(`a frame at +${at - this.t0} ms is ${frame.width}x${frame.height}, not ${first.width}x${first.height} (the screen turned?): left out`);
      return;
    }
    this.taken.push({ frame, at, png });
  }
}
