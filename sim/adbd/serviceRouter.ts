import type { Duplex } from 'node:stream';
import type { DeviceServices } from '../services.js';
import type { AdbdStream } from './adbdStream.js';
import type { AdbdConnection, ServiceHandler } from './connection.js';
import { parseShellService, runShell } from './shellService.js';
import { runSync } from './syncService.js';

/** What adbd reports about each OPEN, for logs. */
export interface ServiceEvent {
  service: string;
  known: boolean;
  connection: string;
}

function hex4(text: string): string {
  return Buffer.byteLength(text).toString(16).padStart(4, '0') + text;
}

function bridge(stream: AdbdStream, socket: Duplex): void {
  stream.pipe(socket);
  socket.pipe(stream);
  const close = () => {
    stream.destroy();
    socket.destroy();
  };
  stream.on('close', close);
  socket.on('close', close);
  socket.on('error', close);
}

function parseTcpSpec(spec: string): number | null {
  const match = /^tcp:(\d{1,5})$/.exec(spec);
  if (!match) return null;
  const port = Number(match[1]);
  return port <= 65535 ? port : null;
}

/**
 * Maps service strings to handlers (daemon/services.cpp). Reverses registered on a connection are
 * remembered so they go away with it, as adbd's listeners die with their transport.
 */
export class ServiceRouter {
  private readonly services: DeviceServices;
  private readonly onEvent: (event: ServiceEvent) => void;
  private readonly onRestart: () => void;
  private readonly reversesByConnection = new WeakMap<AdbdConnection, Set<number>>();

  /** `onRestart`: adbd restarts (root/unroot) and drops every connection, as the real one does. */
  constructor(services: DeviceServices, onEvent: (event: ServiceEvent) => void = () => undefined, onRestart: () => void = () => undefined) {
    this.services = services;
    this.onEvent = onEvent;
    this.onRestart = onRestart;
  }

  /** Drops the reverses a closed connection registered. */
  connectionClosed(connection: AdbdConnection): void {
    for (const port of this.reversesByConnection.get(connection) ?? []) this.services.reverses.remove(port);
    this.reversesByConnection.delete(connection);
  }

  async open(service: string, connection: AdbdConnection): Promise<ServiceHandler | null> {
    const handler = await this.resolve(service, connection);
    this.onEvent({ service, known: handler !== null, connection: connection.remoteAddress });
    return handler;
  }

  private async resolve(service: string, connection: AdbdConnection): Promise<ServiceHandler | null> {
    const services = this.services;
    const shell = parseShellService(service);
    if (shell) return (stream) => void runShell(stream, shell, services);

    if (service.startsWith('abb_exec:') || service.startsWith('abb:')) {
      // Android binder bridge: `abb_exec:package\0install\0-S\0<size>` is `cmd package install -S <size>`.
      const exec = service.startsWith('abb_exec:');
      const args = service.slice(exec ? 9 : 4).split('\0').filter((a) => a.length > 0);
      const command = ['cmd', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      return (stream) => void runShell(stream, { protocol: !exec, pty: false, command }, services);
    }

    if (service === 'sync:') return (stream) => void runSync(stream, services);

    const tcp = /^tcp:(\d{1,5})$/.exec(service);
    if (tcp) {
      const port = Number(tcp[1]);
      // adbd connects before answering the OPEN: a refused port means CLSE, not an empty stream.
      const socket = await services.connectLocal(port).catch(() => null);
      if (!socket) return null;
      return (stream) => bridge(stream, socket);
    }

    if (service.startsWith('reverse:')) return this.reverse(service.slice(8), connection);

    if (service === 'root:' || service === 'unroot:') {
      const text = services.setRoot(service === 'root:');
      // A real adbd restarts itself to change uid; the adb client waits for that disconnect.
      const restarts = text.startsWith('restarting');
      return (stream) => stream.end(Buffer.from(text), () => {
        if (restarts) setTimeout(() => this.onRestart(), 100);
      });
    }
    if (service === 'remount:') {
      return (stream) => void runShell(stream, { protocol: false, pty: false, command: 'remount' }, services);
    }
    if (service === 'reboot:' || service.startsWith('reboot:')) {
      return (stream) => stream.end(() => setImmediate(() => services.reboot()));
    }
    return null;
  }

  private reverse(request: string, connection: AdbdConnection): ServiceHandler | null {
    const reverses = this.services.reverses;
    const mine = this.reversesByConnection.get(connection) ?? new Set<number>();
    this.reversesByConnection.set(connection, mine);
    const reply = (text: string): ServiceHandler => (stream) => stream.end(Buffer.from(text));
    const failure = (message: string) => reply(`FAIL${hex4(message)}`);

    if (request === 'list-forward') {
      const lines = reverses.list().map((r) => `host tcp:${r.devicePort} ${r.hostSpec}\n`).join('');
      return reply(hex4(lines));
    }
    if (request === 'killforward-all') {
      for (const port of mine) reverses.remove(port);
      reverses.clear();
      mine.clear();
      return reply('OKAY');
    }
    if (request.startsWith('killforward:')) {
      const port = parseTcpSpec(request.slice(12));
      if (port === null || !reverses.remove(port)) return failure(`listener '${request.slice(12)}' not found`);
      mine.delete(port);
      return reply('OKAY');
    }
    if (request.startsWith('forward:')) {
      let spec = request.slice(8);
      const noRebind = spec.startsWith('norebind:');
      if (noRebind) spec = spec.slice(9);
      const [local, remote] = spec.split(';');
      const devicePort = parseTcpSpec(local ?? '');
      if (devicePort === null || !remote || parseTcpSpec(remote) === null) {
        return failure(`cannot bind listener: unsupported forward '${spec}' (tcp:PORT;tcp:PORT)`);
      }
      if (devicePort === 0) return failure('cannot bind listener: tcp:0 is not supported by this device');
      if (noRebind && reverses.list().some((r) => r.devicePort === devicePort)) {
        return failure(`cannot rebind existing socket`);
      }
      reverses.add(devicePort, remote, () => connection.openToHost(remote));
      mine.add(devicePort);
      return reply('OKAY');
    }
    return failure(`unknown reverse request '${request}'`);
  }
}
