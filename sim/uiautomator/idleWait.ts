import type { UiDriver } from '../ui.js';

/**
 * The real server waits for the app to go idle after an action, for at most `waitForIdleTimeout`
 * (10 s by default), then answers anyway. The simulated apps resolve an action when its effect is
 * done (a page load included), so an action that takes longer answers at the limit and finishes on
 * its own; a failure after that point is reported through `onLateError`.
 */
export function idleBoundedUi(ui: UiDriver, limitMs: number, onLateError: (error: unknown) => void): UiDriver {
  const bounded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
    const run = fn(...args);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), limitMs)));
    try {
      const outcome = await Promise.race([run.then(() => 'done' as const), limit]);
      if (outcome === 'late') run.catch(onLateError);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    hierarchy: () => ui.hierarchy(),
    display: () => ui.display(),
    focus: () => ui.focus(),
    click: bounded((key: string) => ui.click(key)),
    setText: bounded((key: string, text: string, options: { replace: boolean }) => ui.setText(key, text, options)),
    clear: bounded((key: string) => ui.clear(key)),
    pressKey: bounded((code: number) => ui.pressKey(code)),
    tap: bounded((x: number, y: number) => ui.tap(x, y)),
    swipe: bounded((x1: number, y1: number, x2: number, y2: number, ms: number) => ui.swipe(x1, y1, x2, y2, ms)),
    ...(ui.freezeRotation ? { freezeRotation: (r: 0 | 1 | 2 | 3) => ui.freezeRotation!(r) } : {}),
  };
}
