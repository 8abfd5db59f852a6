import { EventEmitter } from 'node:events';
import type { AdbDevice } from '../adbDevice.js';

export interface ReverseKeeperEvents {
  /** The tunnel was gone and has been put back. */
  restored: [];
  /** Consecutive failures reached the limit: the phone is unreachable. */
  lost: [error: Error];
}

/**
 * Re-asserts an `adb reverse` while a run lasts: tunnels drop when adbd restarts (adb root), the
 * cable wobbles or the adb server restarts, and a dropped tunnel would silently end the capture.
 */
export class ReverseKeeper extends EventEmitter<ReverseKeeperEvents> {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private checking = false;

  constructor(
    private readonly device: AdbDevice,
    private readonly remote: string,
    private readonly local: string,
    private readonly options: { intervalMs?: number; maxFailures?: number } = {},
  ) {
    super();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (also called by tests and before each visit). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const present = (await this.device.listReverses()).some((r) => r.remote === this.remote && r.local === this.local);
      if (!present) {
        await this.device.reverse(this.remote, this.local);
        this.emit('restored');
      }
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === (this.options.maxFailures ?? 5)) {
        this.stop();
        this.emit('lost', error as Error);
      }
    } finally {
      this.checking = false;
    }
  }
}
