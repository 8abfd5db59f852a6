/**
 * Route probes: a liveness signal that travels the phone's own route to the capture, not a timer
 * inside the capture process (issue 13). The harness opens a stream ON THE PHONE to the proxy port
 * its browsers use (adbd's `tcp:PORT` service: adbd connects to 127.0.0.1:PORT on the phone, where
 * the `adb reverse` listener sits, so the bytes go phone loopback → reverse tunnel → adb server →
 * sidecar, exactly as a browser's do) and sends an HTTP proxy request for a unique URL on a
 * reserved host. The sidecar answers it itself (as mitmproxy answers `mitm.it`), echoing the token,
 * and records it as a flow before answering: a probe answered is a flow on disk from the phone's
 * route. Failures are markers (`route-probe`, ok false) with the error, so a verdict can say when
 * and why the route was down. Sources: sim/EVIDENCE.md "Route probes".
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Marker } from './types.js';

/**
 * The probe's host. `.invalid` is reserved and never resolves (RFC 6761 §6.4), so a probe can never
 * reach a real server, even through a live-mode capture or a proxy that is not ours.
 */
export const ROUTE_PROBE_HOST = 'route-probe.phonehome.invalid';
/** The sidecar's answer header, carrying the probe's token back. */
export const ROUTE_PROBE_HEADER = 'x-phonehome-route-probe';
/** How often the harness probes while a phone is rigged. */
export const ROUTE_PROBE_INTERVAL_MS = 2000;
/** One probe's bound: past it, it is counted as no sample (not as a failure: the phone may just be slow). */
export const ROUTE_PROBE_TIMEOUT_MS = 5000;

/** Whether a request (by its Host header or URL host) is a route probe. */
export function isRouteProbeHost(host: string | undefined): boolean {
  return (host ?? '').toLowerCase().split(':')[0] === ROUTE_PROBE_HOST;
}

/** The token of a probe request path `/probe/<token>`, or undefined. */
export function routeProbeToken(path: string): string | undefined {
  return /^\/probe\/([0-9a-f]{8,64})$/.exec(path.split('?')[0] ?? '')?.[1];
}

export type RouteProbeResult =
  | { ok: true; token: string; time: number; ms: number }
  | { ok: false; token: string; time: number; ms: number; error: string; timedOut: boolean };

export interface RouteProberOptions {
  /** Opens a stream from the phone to its proxy (e.g. adbd `tcp:PORT` through adbkit's openTcp). */
  open: () => Promise<Duplex>;
  /** Where each probe's marker goes (the capture folder's markers.jsonl). */
  markers: { write(marker: Marker): void };
  /** What the marker names as the route, e.g. `adb reverse tcp:43123 on 127.0.0.1:5555`. */
  route: string;
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Probes the phone's route to the capture every intervalMs while started, and on demand
 * (`probe()`): one probe at a time, each bounded by timeoutMs.
 */
export class RouteProber {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RouteProbeResult> | undefined;
  #last: RouteProbeResult | undefined;

  constructor(private readonly options: RouteProberOptions) {}

  get last(): RouteProbeResult | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#timer) return;
    // A tick while a probe is still out is skipped: slow probes never pile up behind each other.
    this.#timer = setInterval(() => {
      if (!this.#running) void this.probe().catch(() => undefined);
    }, this.options.intervalMs ?? ROUTE_PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops probing and waits for a probe in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One probe now (joins the one in flight, then sends a fresh one: the result is never older than the call). */
  async probe(): Promise<RouteProbeResult> {
    while (this.#running) await this.#running.catch(() => undefined);
    const running = this.#send();
    this.#running = running;
    try {
      return await running;
    } finally {
      if (this.#running === running) this.#running = undefined;
    }
  }

  async #send(): Promise<RouteProbeResult> {
    const token = randomBytes(8).toString('hex');
    const time = Date.now();
    let result: RouteProbeResult;
    try {
      await exchange(this.options.open, token, this.options.timeoutMs ?? ROUTE_PROBE_TIMEOUT_MS);
      result = { ok: true, token, time, ms: Date.now() - time };
    } catch (error) {
      const timedOut = (error as { timedOut?: boolean }).timedOut === true;
      result = { ok: false, token, time, ms: Date.now() - time, error: firstLine(error), timedOut };
    }
    this.#last = result;
    this.options.markers.write({
      time,
      kind: 'route-probe',
      data: { token, ok: result.ok, ms: result.ms, route: this.options.route, ...(result.ok ? {} : { error: result.error, timedOut: result.timedOut }) },
    });
    return result;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/** Sends the probe request over a stream the phone opened to its proxy; resolves when the sidecar answered with the token. */
function exchange(open: () => Promise<Duplex>, token: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stream: Duplex | undefined;
    let done = false;
    let reply = '';
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream?.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { timedOut: true })), timeoutMs);
    open().then(
      (opened) => {
        stream = opened;
        if (done) {
          opened.destroy();
          return;
        }
        opened.on('data', (chunk: Buffer) => {
          reply += chunk.toString('latin1');
          if (reply.length > 16384) return finish(new Error('the answer was not the capture\'s (over 16 KB of headers)'));
          const end = reply.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = reply.slice(0, end);
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
          const echoed = new RegExp(`^${ROUTE_PROBE_HEADER}:\\s*([0-9a-f]+)\\s*$`, 'im').exec(head)?.[1];
          if (echoed === token) finish();
          else finish(new Error(`answered '${head.split('\r\n')[0]}' without this probe's token: not the capture (status ${status ?? 'none'})`));
        });
        opened.on('error', (error: Error) => finish(new Error(`the route failed: ${error.message}`)));
        opened.on('close', () => finish(new Error(reply ? `the connection closed mid-answer ('${reply.split('\r\n')[0]}')` : 'the connection closed before any answer (nothing listens behind the tunnel, or it was cut)')));
        // Absolute-form request target, as a browser sends to an HTTP proxy (RFC 9112 §3.2.2).
        opened.write(`GET http://${ROUTE_PROBE_HOST}/probe/${token} HTTP/1.1\r\nHost: ${ROUTE_PROBE_HOST}\r\nUser-Agent: phonehome-route-probe\r\nConnection: close\r\n\r\n`);
      },
      (error: Error) => finish(new Error(`the phone could not connect to its proxy port: ${error.message}`)),
    );
  });
}
