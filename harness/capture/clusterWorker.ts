/**
 * A ClusterSidecar worker process: one CaptureSidecar recording into the shared folder under its own
 * shard (flows.<shard>.jsonl), listening on the cluster's shared socket. It starts on the primary's
 * 'start' message, reports readiness, a beat every heartbeat interval and errors, and stops on
 * 'stop' or when the primary goes away (its IPC channel closes): a worker never outlives its cluster.
 */
import { CaptureSidecar } from './captureSidecar.js';
import type { FromWorker, ToWorker } from './clusterProtocol.js';
import { HEARTBEAT_MS } from './types.js';

let sidecar: CaptureSidecar | undefined;
let beat: NodeJS.Timeout | undefined;
let stopping: Promise<void> | undefined;

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

async function start(options: Extract<ToWorker, { type: 'start' }>['options']): Promise<void> {
  const { shard, ...rest } = options;
  sidecar = new CaptureSidecar({ ...rest, shard: { name: shard } });
  sidecar.on('error', (error) => send({ type: 'error', message: error.message }));
  try {
    await sidecar.start();
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  const running = sidecar;
  beat = setInterval(() => send({ type: 'beat', flows: running.flowsRecorded, inFlight: running.inFlight }), options.heartbeatMs ?? HEARTBEAT_MS);
  send({ type: 'ready', port: running.port });
}

function stop(): Promise<void> {
  stopping ??= (async () => {
    if (beat) clearInterval(beat);
    const flows = sidecar?.flowsRecorded ?? 0;
    await sidecar?.stop().catch((error: Error) => send({ type: 'error', message: `stopping: ${error.message}` }));
    send({ type: 'stopped', flows });
    // Sockets to clients and origins may still be open: exit rather than wait for their timeouts.
    process.exit(0);
  })();
  return stopping;
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'start') void start(message.options);
  else if (message.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
// The primary stops workers by message; a signal aimed at the process group (Ctrl-C) is the primary's to handle.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void stop());
send({ type: 'loaded' });
