import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { DeviceServices } from '../services.js';
import { AdbdConnection } from './connection.js';
import { ServiceRouter, type ServiceEvent } from './serviceRouter.js';

/**
 * adb features this adbd implements (transport.cpp supported_features()). Not announced on
 * purpose: sendrecv_v2* (SND2/RCV2), delayed_ack, track_app — none implemented.
 */
export const ADBD_FEATURES = [
  'shell_v2', 'cmd', 'stat_v2', 'ls_v2', 'fixed_push_mkdir', 'apex', 'abb', 'abb_exec',
  'fixed_push_symlink_timestamp', 'remount_shell',
];

export interface AdbDaemonOptions {
  services: DeviceServices;
  /** Authorized host keys (adb_keys lines), checked when the profile requires AUTH. */
  authorizedKeys?: () => string[];
}

export interface AdbDaemonEvents {
  connection: [connection: AdbdConnection];
  service: [event: ServiceEvent];
  authRequest: [publicKey: string];
  protocolError: [message: string];
}

/** adbd listening on TCP, as `adb tcpip` / wireless debugging exposes it. */
export class AdbDaemon extends EventEmitter<AdbDaemonEvents> {
  private readonly options: AdbDaemonOptions;
  private readonly router: ServiceRouter;
  private readonly connections = new Set<AdbdConnection>();
  private server: Server | null = null;

  constructor(options: AdbDaemonOptions) {
    super();
    this.options = options;
    this.router = new ServiceRouter(options.services, (event) => this.emit('service', event), () => this.dropConnections());
  }

  banner(): string {
    const { product, model, device } = this.options.services.banner();
    // get_connection_string(): no ':' may appear inside a value (the host splits on it).
    const clean = (v: string) => v.replace(/[:;]/g, '_');
    return `device::ro.product.name=${clean(product)};ro.product.model=${clean(model)};ro.product.device=${clean(device)};features=${ADBD_FEATURES.join(',')}`;
  }

  async start(port: number, host = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('adbd is already listening');
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Closes every host connection (adbd restarting, reboot). */
  dropConnections(): void {
    for (const connection of [...this.connections]) connection.close();
  }

  /** The user allowed a host key: connections waiting on it go online. */
  authorizePending(): number {
    let count = 0;
    for (const connection of this.connections) {
      if (connection.pendingKey !== null) {
        connection.authorize();
        count++;
      }
    }
    return count;
  }

  pendingKeys(): string[] {
    return [...this.connections].map((c) => c.pendingKey).filter((k): k is string => k !== null);
  }

  private accept(socket: Socket): void {
    const services = this.options.services;
    const connection = new AdbdConnection(socket, {
      banner: () => this.banner(),
      auth: { required: () => services.requireAuth(), keys: () => this.options.authorizedKeys?.() ?? [] },
      openService: (service, conn) => this.router.open(service, conn),
    });
    this.connections.add(connection);
    connection.on('authRequest', (key) => this.emit('authRequest', key));
    connection.on('protocolError', (message) => this.emit('protocolError', message));
    connection.on('close', () => {
      this.connections.delete(connection);
      this.router.connectionClosed(connection);
    });
    this.emit('connection', connection);
  }
}
