/**
 * The messages between a ClusterSidecar (the cluster's primary process) and its workers, over the
 * IPC channel Node's cluster module gives each worker (JSON serialised).
 */
import type { CaptureSidecarOptions } from './captureSidecar.js';
import type { CertificateAuthority } from './certificateAuthority.js';

/** What a worker's CaptureSidecar is made from: the options that can cross a process boundary. */
export type WorkerSidecarOptions = Omit<CaptureSidecarOptions, 'ca' | 'home' | 'shard'> & { ca: CertificateAuthority; shard: string };

export type ToWorker = { type: 'start'; options: WorkerSidecarOptions } | { type: 'stop' };

export type FromWorker =
  /** The worker's code is loaded and listens for messages (one sent earlier would be lost). */
  | { type: 'loaded' }
  | { type: 'ready'; port: number }
  /** Sent every heartbeat interval while the worker's sidecar runs: the primary writes one heartbeat for all. */
  | { type: 'beat'; flows: number; inFlight: number }
  | { type: 'failed'; message: string }
  | { type: 'error'; message: string }
  | { type: 'stopped'; flows: number };
