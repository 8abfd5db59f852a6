import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommandArgs, parsePort, type CliIo, type Command } from './command.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { availableParallelism } from 'node:os';
import { CaptureSidecar, type UpstreamMode } from '../capture/captureSidecar.js';
import { ClusterSidecar } from '../capture/clusterSidecar.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const captureCommand: Command = {
  name: 'capture',
  summary: 'run the capture sidecar: a recording HTTPS-intercepting proxy',
  help: `Usage: phonehome capture --out DIR [--port 8080] [--upstream sink|live] [--host 127.0.0.1] [--upstream-ca FILE] [--workers N]

Runs the capture sidecar until SIGTERM or SIGINT. Every HTTP(S) and HTTP/2 exchange through it is
appended to DIR/flows.jsonl before the client gets the end of its response (large bodies in
DIR/bodies/), so a sidecar killed at any moment keeps every exchange a client saw complete; a
WebSocket is written as it opens, message by message, and as it closes. TLS connections the client
refused become records in DIR/blindspots.jsonl; DIR/markers.jsonl gets capture-start, a heartbeat
every second, and capture-stop. HTTPS is intercepted with the per-install CA ('phonehome ca' prints it).

With --workers N > 1 (the default on a machine with several cores) N worker processes share the
listening port, each appending to its own DIR/flows.<n>.jsonl (readers merge them by completion
time); a worker that dies is replaced, and its death is a capture-down blind spot.

On readiness it prints one JSON line to stdout, e.g.
  {"ready":true,"port":43123,"out":"/abs/DIR","pid":123,"mode":"sink","url":"http://127.0.0.1:43123","workers":[124,125]}

Options:
  --out DIR          capture folder (created if missing)
  --port N           port to listen on; 0 picks a free one (default 8080)
  --upstream MODE    sink: answer every request itself (HTML page for navigations, 204 otherwise),
                     nothing leaves the machine (default); live: relay requests to the real servers
                     over pooled keep-alive connections (HTTP/1.1 upstream, certificates verified)
  --host ADDR        bind address (default 127.0.0.1; anything else is reachable by others)
  --upstream-ca FILE extra CA (PEM) to trust for upstream servers in live mode, e.g. a local test origin
  --workers N        processes relaying traffic, 1-256 (default: the cores available, ${availableParallelism()} here);
                     1 relays in this process and writes DIR/flows.jsonl

Environment: PHONEHOME_HOME (else $XDG_CONFIG_HOME/phonehome, else ~/.config/phonehome) holds the CA.

Examples:
  phonehome capture --port 0 --out reports/capture-1
  phonehome capture --port 8080 --out /tmp/cap --upstream live`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs('capture', argv, {
      out: { type: 'string' },
      port: { type: 'string' },
      upstream: { type: 'string' },
      host: { type: 'string' },
      'upstream-ca': { type: 'string' },
      workers: { type: 'string' },
    });
    if (!values.out) throw new UsageError("phonehome capture: --out DIR is required (see 'phonehome capture --help')");
    const port = parsePort('capture', 'port', values.port, 8080);
    const upstream = (values.upstream ?? 'sink') as UpstreamMode;
    if (upstream !== 'sink' && upstream !== 'live') {
      throw new UsageError(`phonehome capture: --upstream must be 'sink' or 'live', got '${values.upstream}'`);
    }
    const host = values.host ?? '127.0.0.1';
    const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
      throw new UsageError(`phonehome capture: --workers must be a whole number from 1 to 256, got '${values.workers}'`);
    }
    let upstreamTrustedCAs: string[] | undefined;
    if (values['upstream-ca']) {
      try {
        upstreamTrustedCAs = [readFileSync(values['upstream-ca'], 'utf8')];
      } catch (error) {
        throw new PhonehomeError(`phonehome capture: cannot read --upstream-ca ${values['upstream-ca']}: ${(error as NodeJS.ErrnoException).code} (pass a PEM file)`);
      }
    }
    if (!LOOPBACK.has(host)) {
      io.err(`phonehome capture: warning: listening on ${host}, so other machines can use this proxy and read what it records; use --host 127.0.0.1 unless a phone on the network must reach it`);
    }
    const options = { out: path.resolve(values.out), port, host, upstream, upstreamTrustedCAs };
    const sidecar = workers === 1 ? new CaptureSidecar(options) : new ClusterSidecar({ ...options, workers });
    sidecar.on('error', (error) => io.err(`phonehome capture: ${error.message}`));
    await sidecar.start();

    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        void sidecar.stop().then(resolve, (error: unknown) => {
          io.err(`phonehome capture: stopping failed: ${(error as Error).message}`);
          resolve();
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    const workerPids = sidecar instanceof ClusterSidecar ? { workers: sidecar.pids } : {};
    io.out(JSON.stringify({ ready: true, port: sidecar.port, out: sidecar.out, pid: process.pid, mode: upstream, url: sidecar.url, ...workerPids }));
    await stopped;
    return 0;
  },
};
