import { SevereServiceError } from 'webdriverio';
import { PhonehomeError } from '../errors.js';
import { PhonehomeLauncher } from './launcher.js';
import { checkServiceOptions, type PhonehomeServiceOptions } from './options.js';
import { readRunState } from './runState.js';
import { WdioPhone } from './wdioPhone.js';

let current: WdioPhone | undefined;

/**
 * The rigged phone of this wdio worker, for a spec: `phonehome().visit(url, () => …)`,
 * `phonehome().waitForTelemetry()`. Available from the service's `before` hook on.
 */
export function phonehome(): WdioPhone {
  if (!current) throw new PhonehomeError('phonehome(): no phone in this wdio worker; add PhonehomeService to the services of your wdio.conf (see README "WebdriverIO")');
  return current;
}

/** Visits of this worker by test, for the reporter (same process). */
export function workerVisits(): WdioPhone['visitsByTest'] | undefined {
  return current?.visitsByTest;
}

/** How the service and the reporter name one test (its suite's title and its own). */
export function testKey(parent: string | undefined, title: string): string {
  return `${parent ?? ''}\u0000${title}`;
}

interface WdioTest {
  title: string;
  fullTitle?: string;
  parent?: string;
  pending?: boolean;
}

/**
 * phonehome as a WebdriverIO service: `services: [[PhonehomeService, { device: 'redmi-note-8' }]]`.
 * wdio builds the class in the launcher (onPrepare/onComplete: rig the phone, then put it back and
 * write the report) and in each worker (before/afterTest: mark and judge visits, journal tests).
 */
export class PhonehomeService {
  readonly #options: PhonehomeServiceOptions;
  #launcher: PhonehomeLauncher | undefined;

  constructor(options: unknown = {}) {
    this.#options = checkServiceOptions(options);
  }

  async onPrepare(): Promise<void> {
    this.#launcher = new PhonehomeLauncher(this.#options);
    try {
      await this.#launcher.prepare();
    } catch (error) {
      // The phone may be half rigged: put it back; the run must not go on uncaptured.
      await this.#launcher.finish('error', error instanceof Error ? error.message.split('\n')[0] : String(error)).catch(() => undefined);
      throw new SevereServiceError(`phonehome: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async onComplete(exitCode: number): Promise<void> {
    await this.#launcher?.finish(exitCode === 0 ? 'passed' : 'failed');
  }

  async before(capabilities: unknown): Promise<void> {
    current = new WdioPhone(readRunState(), { capabilities: (capabilities ?? {}) as Record<string, unknown> });
  }

  beforeTest(): void {
    current?.testStarted();
  }

  async afterTest(test: WdioTest, _context: unknown, result: { error?: Error; duration: number }): Promise<void> {
    const fullTitle = test.fullTitle ?? [test.parent, test.title].filter(Boolean).join(' ');
    await current?.testFinished({ key: testKey(test.parent, test.title), title: test.title, fullTitle, durationMs: Math.round(result.duration), ...(result.error ? { error: result.error } : {}), ...(test.pending ? { pending: true } : {}) });
  }

  async after(): Promise<void> {
    await current?.close();
  }
}
