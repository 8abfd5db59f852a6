import type { Duplex } from 'node:stream';
import type { AdbDevice } from './adbDevice.js';

export interface LogcatLine {
  /** When this machine received the line (ms since epoch); phone clocks and time zones differ. */
  at: number;
  text: string;
}

/**
 * Follows `logcat -v threadtime` for the life of a device session and keeps the lines in a bounded
 * ring, so the log of any visit window can be saved beside the capture. Lines are stamped on
 * arrival (phone clocks and time zones differ from ours); the backlog logcat dumps first is
 * stamped 0, since start() waits for it to pass (`-T` is not on every release).
 */
export class LogcatRecorder {
  private stream: Duplex | undefined;
  private lines: LogcatLine[] = [];
  private bytes = 0;
  private partial = '';
  private live = false;
  private lastData = 0;

  constructor(private readonly device: AdbDevice, private readonly limits: { maxLines?: number; maxBytes?: number } = {}) {}

  async start(): Promise<void> {
    if (this.stream) return;
    const stream = await this.device.openShell('logcat -v threadtime');
    this.stream = stream;
    this.lastData = Date.now();
    stream.on('data', (chunk: Buffer) => {
      this.lastData = Date.now();
      this.take(chunk.toString('utf8'));
    });
    // A dropped phone ends the stream: the lines so far stay available.
    stream.on('error', () => undefined);
    // The backlog comes in one burst: wait for a quiet moment (bounded), then stamp live lines.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && Date.now() - this.lastData < 200) await new Promise((r) => setTimeout(r, 50));
    this.live = true;
  }

  stop(): void {
    this.stream?.destroy();
    this.stream = undefined;
  }

  get running(): boolean {
    return this.stream !== undefined && !this.stream.destroyed;
  }

  /** Lines received in [from, to] (ms since epoch), as text. */
  window(from: number, to: number): string {
    return this.lines.filter((l) => l.at >= from && l.at <= to).map((l) => l.text).join('\n') + '\n';
  }

  private take(text: string): void {
    const at = this.live ? Date.now() : 0;
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    if (this.partial.length > 64 * 1024) this.partial = this.partial.slice(0, 64 * 1024);
    const maxLines = this.limits.maxLines ?? 50_000;
    const maxBytes = this.limits.maxBytes ?? 16 * 1024 * 1024;
    for (const line of parts) {
      if (line === '') continue;
      this.lines.push({ at, text: line });
      this.bytes += line.length;
    }
    // Drop the oldest lines beyond the bounds (in one splice: cheap even for bursts).
    let drop = 0;
    while (drop < this.lines.length && (this.lines.length - drop > maxLines || this.bytes > maxBytes)) {
      this.bytes -= this.lines[drop].text.length;
      drop++;
    }
    if (drop > 0) this.lines.splice(0, drop);
  }
}
