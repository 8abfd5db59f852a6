// HTTP to a port on the phone's loopback (as `adb forward` would carry it), for the UiAutomator2 server tests.
import http from 'node:http';
import type { PhoneContext } from '../../../sim/services.js';

export interface Reply {
  status: number;
  body: { sessionId?: string | null; value: any };
}

export async function phoneRequest(ctx: PhoneContext, port: number, method: string, path: string, body?: unknown, raw?: Buffer): Promise<Reply> {
  const socket = await ctx.connectLocal(port);
  const payload = raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method, path, createConnection: () => socket as never, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}, timeout: 15000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          socket.destroy();
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`${method} ${path}: not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
