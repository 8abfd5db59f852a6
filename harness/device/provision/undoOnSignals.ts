/**
 * Runs `undo` when the process is interrupted (Ctrl-C, kill, hang-up), then lets the signal end
 * the process as it would have. Returns a disposer for the normal path. A second Ctrl-C while the
 * undo runs abandons it.
 */
export function undoOnSignals(undo: () => Promise<unknown>, options: { log?: (line: string) => void; timeoutMs?: number } = {}): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let undoing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (undoing) {
      options.log?.(`phonehome: ${signal} again: abandoning the undo; check the phone's proxy and CA settings`);
      dispose();
      process.kill(process.pid, signal);
      return;
    }
    undoing = true;
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
