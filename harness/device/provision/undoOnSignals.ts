/**
 * Signals within this long of the first are the same interrupt, not a second Ctrl-C: a terminal
 * sends SIGINT to the whole process group, and a launcher in it may forward its own — the stock
 * mocha CLI, when it forks a child for node options (`--import=tsx`), sends that child SIGINT and
 * at once SIGTERM (mocha 12 bin/mocha.js, "terminate children").
 */
const SAME_INTERRUPT_MS = 1000;

/**
 * Runs `undo` when the process is interrupted (Ctrl-C, kill, hang-up), then lets the first signal
 * end the process as it would have. Returns a disposer for the normal path. A second Ctrl-C while
 * the undo runs (a signal more than SAME_INTERRUPT_MS after the first) abandons it.
 */
export function undoOnSignals(undo: () => Promise<unknown>, options: { log?: (line: string) => void; timeoutMs?: number } = {}): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let undoing = false;
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (undoing && Date.now() - firstAt < SAME_INTERRUPT_MS) return;
    if (undoing) {
      options.log?.(`phonehome: ${signal} again: abandoning the undo; check the phone's proxy and CA settings`);
      dispose();
      process.kill(process.pid, signal);
      return;
    }
    undoing = true;
    firstAt = Date.now();
    options.log?.(`phonehome: ${signal}: undoing provisioning before exiting (Ctrl-C again to abandon)`);
    const timer = new Promise((resolve) => setTimeout(resolve, options.timeoutMs ?? 30_000).unref());
    void Promise.race([undo().catch(() => undefined), timer]).finally(() => {
      dispose();
      process.kill(process.pid, signal);
    });
  };
  const dispose = () => {
    for (const signal of signals) process.off(signal, handler);
  };
  for (const signal of signals) process.on(signal, handler);
  return dispose;
}
