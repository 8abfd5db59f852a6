import type { Readable } from 'node:stream';
import type { DeviceServices, ShellProcess } from '../services.js';
import type { AdbdStream } from './adbdStream.js';

/** shell_protocol.h packet ids. */
export const enum ShellPacketId {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  Exit = 3,
  CloseStdin = 4,
  WindowSizeChange = 5,
}

export function shellPacket(id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(id, 0);
  header.writeUInt32LE(data.length, 1);
  return Buffer.concat([header, data]);
}

export interface ShellRequest {
  /** `shell,v2,…:` speaks the shell protocol; v1 `shell:` and `exec:` are raw. */
  protocol: boolean;
  pty: boolean;
  command: string;
}

/** Parses `shell:cmd`, `shell,v2,TERM=xterm,raw:cmd` and `exec:cmd`. */
export function parseShellService(service: string): ShellRequest | null {
  if (service.startsWith('exec:')) return { protocol: false, pty: false, command: service.slice(5) };
  const match = /^shell(,[^:]*)?:([\s\S]*)$/.exec(service);
  if (!match) return null;
  const args = (match[1] ?? '').split(',').filter(Boolean);
  const command = match[2]!;
  // daemon/shell_service: an empty command means an interactive PTY; `raw`/`pty` override.
  let pty = command.length === 0;
  if (args.includes('raw')) pty = false;
  if (args.includes('pty')) pty = true;
  return { protocol: args.includes('v2'), pty, command };
}

async function writeTo(stream: AdbdStream, data: Buffer): Promise<void> {
  if (stream.destroyed || stream.writableEnded) throw new Error('stream closed');
  if (!stream.write(data)) {
    await new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
      };
      const onDrain = () => { cleanup(); resolve(); };
      const onClose = () => { cleanup(); reject(new Error('stream closed')); };
      stream.on('drain', onDrain);
      stream.on('close', onClose);
    });
  }
}

/** A PTY turns \n into \r\n (ONLCR); raw mode leaves bytes alone. */
function toPty(data: Buffer): Buffer {
  if (!data.includes(0x0a)) return data;
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

async function pump(source: Readable | NodeJS.ReadableStream, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    await sink(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
}

/** Runs a shell request on an opened stream; resolves with the exit code once the stream is done. */
export function runShell(stream: AdbdStream, request: ShellRequest, services: DeviceServices): Promise<number> {
  let process: ShellProcess;
  try {
    process = services.shell(request.command, { pty: request.pty });
  } catch (error) {
    stream.end(Buffer.from(`${(error as Error).message}\n`));
    return Promise.resolve(1);
  }
  const shape = (data: Buffer) => (request.pty ? toPty(data) : data);

  // Host → process.
  if (request.protocol) {
    let pending: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 5) {
        const length = pending.readUInt32LE(1);
        if (length > 1024 * 1024) {
          stream.destroy();
          return;
        }
        if (pending.length < 5 + length) break;
        const id = pending[0];
        const body = pending.subarray(5, 5 + length);
        pending = pending.subarray(5 + length);
        if (id === ShellPacketId.Stdin) process.stdin.write(body);
        else if (id === ShellPacketId.CloseStdin) process.stdin.end();
      }
    });
  } else {
    stream.on('data', (chunk: Buffer) => process.stdin.write(chunk));
  }
  let done = false;
  stream.on('close', () => {
    // The host closed the stream (client killed, e.g. Appium stopping `am instrument`): stop it.
    if (!done) process.kill();
  });

  const out = request.protocol
    ? (id: number) => (chunk: Buffer) => writeTo(stream, shellPacket(id, shape(chunk)))
    : () => (chunk: Buffer) => writeTo(stream, shape(chunk));
  const pumps = Promise.all([
    pump(process.stdout, out(ShellPacketId.Stdout)),
    // Without the shell protocol, stderr goes to stdout (subprocess.cpp).
    pump(process.stderr, out(ShellPacketId.Stderr)),
  ]);
  return Promise.all([pumps, process.exit])
    .then(async ([, code]) => {
      done = true;
      if (request.protocol) await writeTo(stream, shellPacket(ShellPacketId.Exit, Buffer.from([code & 0xff])));
      stream.end();
      return code;
    })
    .catch(() => {
      done = true;
      process.kill();
      stream.destroy();
      return -1;
    });
}
