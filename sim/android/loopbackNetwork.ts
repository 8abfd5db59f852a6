import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

function refused(port: number): Error {
  return Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED', port });
}

/**
 * The phone's loopback interface: ports its own processes listen on (the UiAutomator2 server on
 * 6790) and ports adb reverse routes to the host. Each phone listener sits behind a private
 * 127.0.0.1:0 server so both ends are real sockets (http.Server and clients treat them normally).
 */
export class LoopbackNetwork {
  private readonly listeners = new Map<number, { server: Server; hostPort: number; ready: Promise<void> }>();
  private readonly reverseRoutes = new Map<number, { hostSpec: string; open: () => Promise<Duplex> }>();

  listen(port: number, onConnection: (socket: Duplex) => void): () => void {
    if (this.listeners.has(port)) throw Object.assign(new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`), { code: 'EADDRINUSE' });
    const server = createServer((socket) => onConnection(socket));
    const entry = { server, hostPort: 0, ready: Promise.resolve() };
    entry.ready = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        entry.hostPort = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
    this.listeners.set(port, entry);
    return () => {
      if (this.listeners.get(port) === entry) this.listeners.delete(port);
      server.close();
    };
  }

  isListening(port: number): boolean {
    return this.listeners.has(port);
  }

  /** Ports phone processes listen on (for /proc/net/tcp). */
  listeningPorts(): number[] {
    return [...this.listeners.keys()].sort((a, b) => a - b);
  }

  /** Phone listeners first, then adb reverses, else ECONNREFUSED (as a phone's loopback behaves). */
  async connect(port: number): Promise<Duplex> {
    const listener = this.listeners.get(port);
    if (listener) {
      await listener.ready;
      return new Promise<Socket>((resolve, reject) => {
        const socket = connect(listener.hostPort, '127.0.0.1');
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', () => reject(refused(port)));
      });
    }
    const route = this.reverseRoutes.get(port);
    if (route) return route.open();
    throw refused(port);
  }

  readonly reverses = {
    add: (devicePort: number, hostSpec: string, open: () => Promise<Duplex>): void => {
      this.reverseRoutes.set(devicePort, { hostSpec, open });
    },
    remove: (devicePort: number): boolean => this.reverseRoutes.delete(devicePort),
    clear: (): void => this.reverseRoutes.clear(),
    list: (): Array<{ devicePort: number; hostSpec: string }> =>
      [...this.reverseRoutes.entries()].map(([devicePort, r]) => ({ devicePort, hostSpec: r.hostSpec })),
  };

  closeAll(): void {
    for (const { server } of this.listeners.values()) server.close();
    this.listeners.clear();
    this.reverseRoutes.clear();
  }
}
