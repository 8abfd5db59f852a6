import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PhoneContext } from '../services.js';
import { NetError } from './netError.js';
import { isPhoneLoopback, type ProxyAddress } from './proxySetting.js';

/**
 * The phone's TCP layer: a socket to the proxy or to the phone's own loopback. This simulated phone
 * has no route to the internet, so anything else fails like a phone without a network.
 */

export interface Endpoint {
  host: string;
  port: number;
}

/** Connects to `endpoint` as seen from the phone, within `timeoutMs`. */
export async function connectFromPhone(ctx: PhoneContext, endpoint: Endpoint, timeoutMs: number, role: 'proxy' | 'direct'): Promise<Duplex> {
  const unreachable = role === 'proxy' ? 'proxy-unreachable' : 'no-network';
  if (isPhoneLoopback(endpoint.host)) {
    const pending = ctx.connectLocal(endpoint.port);
    return withTimeout(pending, timeoutMs, `connect to 127.0.0.1:${endpoint.port}`, (late) => late.destroy()).catch((error: unknown) => {
      if (error instanceof NetError) throw error;
      throw new NetError(unreachable, `connect to 127.0.0.1:${endpoint.port} on the phone failed: ${messageOf(error)}`, { cause: error });
    });
  }
  if (role === 'direct') {
    throw new NetError('no-network', `no route to ${endpoint.host}:${endpoint.port}: the simulated phone has no internet connection (set 'settings put global http_proxy host:port')`);
  }
  return new Promise<Duplex>((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NetError('timeout', `connect to proxy ${endpoint.host}:${endpoint.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new NetError('proxy-unreachable', `connect to proxy ${endpoint.host}:${endpoint.port} failed: ${error.message}`, { cause: error }));
    });
  });
}

/** A fixed-size header block reader: the proxy's CONNECT answer must fit here. */
const MAX_CONNECT_RESPONSE = 16 * 1024;

/**
 * Opens a CONNECT tunnel through an established proxy connection, the way Android's HTTP stack does.
 * Resolves with the same duplex, positioned after the proxy's response head.
 */
export function openTunnel(socket: Duplex, target: Endpoint, userAgent: string, timeoutMs: number, proxy: ProxyAddress): Promise<Duplex> {
  const authority = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return new Promise<Duplex>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (error: NetError | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) {
        socket.destroy();
        reject(error);
      }
    };
    const timer = setTimeout(() => finish(new NetError('timeout', `CONNECT ${authority} via proxy ${proxy.host}:${proxy.port} timed out after ${timeoutMs} ms`)), timeoutMs);
    const onError = (error: Error) => finish(new NetError('tunnel-failed', `CONNECT ${authority} via proxy ${proxy.host}:${proxy.port} failed: ${error.message}`, { cause: error }));
    const onClose = () => finish(new NetError('tunnel-failed', `proxy ${proxy.host}:${proxy.port} closed the connection during CONNECT ${authority}`));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_CONNECT_RESPONSE) finish(new NetError('tunnel-failed', `proxy ${proxy.host}:${proxy.port} sent an over-long CONNECT response`));
        return;
      }
      const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!status || status[1] !== '200') {
        finish(new NetError('tunnel-failed', `proxy ${proxy.host}:${proxy.port} refused CONNECT ${authority}: ${statusLine.slice(0, 120)}`));
        return;
      }
      finish(null);
      const rest = buffered.subarray(end + 4);
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: ${userAgent}\r\nProxy-Connection: Keep-Alive\r\n\r\n`);
  });
}

/** Rejects after `ms`; a value that arrives after that is handed to `onLate` (to close it) instead of leaking. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new NetError('timeout', `${what} timed out after ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
