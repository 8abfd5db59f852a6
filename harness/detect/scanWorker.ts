/**
 * The worker side of ScanPool: one LeakFinder per thread, built from the pool's options, scanning the
 * flow parts it is sent. Findings go back with their canary as an index into the finder's canaries,
 * which are the same, in the same order, on every thread built from the same options.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RootPart } from './flowLayers.js';
import { LeakFinder } from './leakFinder.js';
import type { PoolFinderOptions, ScanReply, ScanRequest } from './scanPool.js';

const port = parentPort!;
const finder = new LeakFinder(workerData as PoolFinderOptions);

port.on('message', (request: ScanRequest) => {
  let reply: ScanReply;
  try {
    // Structured clone delivers plain Uint8Arrays: view them as Buffers again (no copy).
    const roots: RootPart[] = request.roots.map((r) => ({ ...r, bytes: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) }));
    const scan = finder.scanParts(request.flow, roots);
    reply = {
      id: request.id,
      findings: scan.findings.map((f) => ({ ...f, canary: finder.canaries.indexOf(f.canary) })),
      undecodable: scan.undecodable,
    };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
