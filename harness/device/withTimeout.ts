import { PhonehomeError } from '../errors.js';

/**
 * Races `work` against a timer. adb calls can hang forever (a phone that vanished mid-command, a
 * wedged adb server), so every call the harness makes goes through this. `onTimeout` lets the
 * caller destroy the stream or process that is still running.
 */
export async function withTimeout<T>(work: PromiseLike<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try { onTimeout?.(); } catch { /* best effort: the timeout error below is what matters */ }
      reject(new PhonehomeError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
