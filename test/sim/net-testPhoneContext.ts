// A PhoneContext for the apps/net tests: settings, CA stores and logcat in memory; the phone's
// loopback reaches host ports the way `adb reverse tcp:X tcp:Y` does (a real TCP connection).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Profile } from '../../sim/profile.js';
import type { PhoneContext } from '../../sim/services.js';

export interface LogLine {
  priority: number;
  tag: string;
  message: string;
  pid?: number;
}

export class TestPhoneContext implements PhoneContext {
  readonly profile: Profile;
  readonly settings = new Map<string, string>();
  readonly cas: { system: string[]; user: string[] } = { system: [], user: [] };
  readonly logs: LogLine[] = [];
  /** phone port -> host port, like `adb reverse tcp:phone tcp:host`. */
  readonly reverses = new Map<number, number>();
  /** Every connectLocal call, by phone port. */
  readonly localConnects: number[] = [];
  private readonly listeners = new Map<number, net.Server>();

  constructor(profile: Profile) {
    this.profile = profile;
  }

  setting(namespace: 'global' | 'secure' | 'system', key: string): string | undefined {
    return this.settings.get(`${namespace}/${key}`);
  }

  setProxy(value: string | undefined): void {
    if (value === undefined) this.settings.delete('global/http_proxy');
    else this.settings.set('global/http_proxy', value);
  }

  caCertificates(store: 'system' | 'user'): string[] {
    return [...this.cas[store]];
  }

  connectLocal(port: number): Promise<Duplex> {
    this.localConnects.push(port);
    const listener = this.listeners.get(port);
    const hostPort = listener ? (listener.address() as net.AddressInfo).port : this.reverses.get(port);
    if (hostPort === undefined) return Promise.reject(Object.assign(new Error(`connect to 127.0.0.1:${port}: Connection refused`), { code: 'ECONNREFUSED' }));
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: hostPort });
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  listenLocal(port: number, onConnection: (socket: Duplex) => void): () => void {
    const server = net.createServer(onConnection);
    server.listen(0, '127.0.0.1');
    this.listeners.set(port, server);
    return () => {
      this.listeners.delete(port);
      server.close();
    };
  }

  log(priority: number, tag: string, message: string, pid?: number): void {
    this.logs.push({ priority, tag, message, pid });
  }

  close(): void {
    for (const server of this.listeners.values()) server.close();
    this.listeners.clear();
  }
}
