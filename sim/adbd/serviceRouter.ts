import type { Duplex } from 'node:stream';
import type { DeviceServices } from '../services.js';
import type { AdbdStream } from './adbdStream.js';
import type { AdbdConnection, ServiceHandler } from './connection.js';
import { runFramebuffer } from './framebufferService.js';
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
  /**
   * Reverses whose device side is an abstract Unix socket (`localabstract:NAME`): adbd listens on
   * @NAME and the host spec travels back untouched in each OPEN. Nothing in the simulated phone
   * connects to abstract sockets yet, so they are listed and removed but never opened.
   */
  private readonly abstractReverses = new Map<string, { remote: string; connection: AdbdConnection }>();

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
    for (const [name, r] of this.abstractReverses) if (r.connection === connection) this.abstractReverses.delete(name);
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
    if (service === 'framebuffer:') return (stream) => void runFramebuffer(stream, services);

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
      // A real adbd exits once the answer's socket closes ("exit_on_close", AOSP adb docs/dev/root.md)
      // and init restarts it with the new uid; the adb CLI waits for that disconnect.
      const restarts = text.startsWith('restarting');
      return (stream) => stream.end(Buffer.from(text), () => {
        if (restarts) setImmediate(() => {
          services.restartAdbd();
          this.onRestart();
        });
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

    // AOSP adb.cpp handle_forward_request on the device (android-10.0.0_r1): the device side is a
    // socket spec adbd listens on (tcp:PORT, localabstract:NAME …); the host side is stored as
    // given and sent back in the OPEN for each connection, so any host spec passes through.
    if (request === 'list-forward') {
      const lines = [
        ...reverses.list().map((r) => `host tcp:${r.devicePort} ${r.hostSpec}\n`),
        ...[...this.abstractReverses].map(([name, r]) => `host localabstract:${name} ${r.remote}\n`),
      ].join('');
      return reply(hex4(lines));
    }
    if (request === 'killforward-all') {
      for (const port of mine) reverses.remove(port);
      reverses.clear();
      mine.clear();
      this.abstractReverses.clear();
      return reply('OKAY');
    }
    if (request.startsWith('killforward:')) {
      const spec = request.slice(12);
      if (spec.startsWith('localabstract:')) {
        if (!this.abstractReverses.delete(spec.slice(14))) return failure(`listener '${spec}' not found`);
        return reply('OKAY');
      }
      const port = parseTcpSpec(spec);
      if (port === null || !reverses.remove(port)) return failure(`listener '${spec}' not found`);
      mine.delete(port);
      return reply('OKAY');
    }
    if (request.startsWith('forward:')) {
      let spec = request.slice(8);
      const noRebind = spec.startsWith('norebind:');
      if (noRebind) spec = spec.slice(9);
      const split = spec.indexOf(';');
      const local = split < 0 ? spec : spec.slice(0, split);
      const remote = split < 0 ? '' : spec.slice(split + 1);
      if (!remote) return failure(`cannot bind listener: missing host side in '${spec}'`);
      if (local.startsWith('localabstract:') && local.length > 14) {
        const name = local.slice(14);
        if (noRebind && this.abstractReverses.has(name)) return failure('cannot rebind existing socket');
        this.abstractReverses.set(name, { remote, connection });
        return reply('OKAY');
      }
      const devicePort = parseTcpSpec(local);
      if (devicePort === null) return failure(`cannot bind listener: unsupported socket spec '${local}' (this simulated adbd listens on tcp:PORT and localabstract:NAME)`);
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
