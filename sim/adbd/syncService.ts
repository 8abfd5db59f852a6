import type { DeviceServices, FileStat } from '../services.js';
import type { AdbdStream } from './adbdStream.js';
import { EndOfStreamError, StreamReader } from './streamReader.js';

/** file_sync_protocol.h limits. */
export const SYNC_DATA_MAX = 64 * 1024;
const PATH_MAX = 1024;
/** A single pushed file larger than this is refused (bounded memory; the phone "runs out of space"). */
export const SYNC_FILE_MAX = 512 * 1024 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

const ERRNO: Record<string, number> = { ENOENT: 2, EACCES: 13, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENOSPC: 28, EROFS: 30 };
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EEXIST: 'File exists', ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory', EINVAL: 'Invalid argument', ENOSPC: 'No space left on device', EROFS: 'Read-only file system',
};

function errorCode(error: unknown): string {
  return (error as { code?: string })?.code ?? 'EIO';
}

function strerror(error: unknown): string {
  return STRERROR[errorCode(error)] ?? (error as Error)?.message ?? 'I/O error';
}

function id(name: string, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.write(name, 0, 'ascii');
  b.writeUInt32LE(value >>> 0, 4);
  return b;
}

function fail(message: string): Buffer {
  const text = Buffer.from(message);
  return Buffer.concat([id('FAIL', text.length), text]);
}

/** sync_stat_v2 (72 bytes with its id), used by STA2, LST2 and (with a name) DNT2. */
function statV2(name: 'STA2' | 'LST2' | 'DNT2', stat: FileStat | null, errno: number, ino: number): Buffer {
  const b = Buffer.alloc(72);
  b.write(name, 0, 'ascii');
  if (!stat) {
    b.writeUInt32LE(errno, 4);
    return b;
  }
  b.writeUInt32LE(0, 4);
  b.writeBigUInt64LE(0xfd00n, 8); // dev
  b.writeBigUInt64LE(BigInt(ino), 16);
  b.writeUInt32LE(stat.mode >>> 0, 24);
  b.writeUInt32LE((stat.mode & S_IFMT) === 0o040000 ? 2 : 1, 28); // nlink
  b.writeUInt32LE(stat.uid ?? 0, 32);
  b.writeUInt32LE(stat.gid ?? 0, 36);
  b.writeBigUInt64LE(BigInt(stat.size), 40);
  b.writeBigInt64LE(BigInt(stat.mtime), 48); // atime
  b.writeBigInt64LE(BigInt(stat.mtime), 56);
  b.writeBigInt64LE(BigInt(stat.mtime), 64); // ctime
  return b;
}

function inode(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The `sync:` service: STAT/STA2/LST2/LIST/LIS2/SEND/RECV/QUIT (SYNC.TXT). */
export async function runSync(stream: AdbdStream, services: DeviceServices, onEvent?: (op: string, path: string) => void): Promise<void> {
  const reader = new StreamReader(stream);
  const send = (data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (stream.destroyed) return reject(new Error('stream closed'));
      stream.write(data, (error) => (error ? reject(error) : resolve()));
    });
  const fs = services.fs;
  try {
    for (;;) {
      const header = await reader.read(8);
      const op = header.toString('ascii', 0, 4);
      const length = header.readUInt32LE(4);
      if (op === 'QUIT') break;
      if (length > PATH_MAX) {
        await send(fail(`path too long: ${length}`));
        break;
      }
      const path = (await reader.read(length)).toString('utf8');
      onEvent?.(op, path);
      switch (op) {
        case 'STAT': {
          const stat = fs.stat(path);
          const b = Buffer.alloc(16);
          b.write('STAT', 0, 'ascii');
          if (stat) {
            b.writeUInt32LE(stat.mode >>> 0, 4);
            b.writeUInt32LE(Math.min(stat.size, 0xffffffff), 8);
            b.writeUInt32LE(stat.mtime >>> 0, 12);
          }
          await send(b);
          break;
        }
        case 'STA2':
        case 'LST2': {
          const stat = fs.stat(path);
          await send(statV2(op, stat, 2, inode(path)));
          break;
        }
        case 'LIST':
        case 'LIS2': {
          const entries = fs.list(path);
          if (entries) {
            const self = fs.stat(path);
            const parent = fs.stat(path.replace(/\/[^/]*\/?$/, '') || '/');
            const all = [
              ...(self ? [{ name: '.', ...self }] : []),
              ...(parent ? [{ name: '..', ...parent }] : []),
              ...entries,
            ];
            for (const entry of all) {
              const name = Buffer.from(entry.name);
              if (op === 'LIST') {
                const b = Buffer.alloc(20);
                b.write('DENT', 0, 'ascii');
                b.writeUInt32LE(entry.mode >>> 0, 4);
                b.writeUInt32LE(Math.min(entry.size, 0xffffffff), 8);
                b.writeUInt32LE(entry.mtime >>> 0, 12);
                b.writeUInt32LE(name.length, 16);
                await send(Buffer.concat([b, name]));
              } else {
                const len = Buffer.alloc(4);
                len.writeUInt32LE(name.length);
                await send(Buffer.concat([statV2('DNT2', entry, 0, inode(join(path, entry.name))), len, name]));
              }
            }
          }
          // DONE is padded to the size of a dent (v1: 20 bytes, v2: 76).
          const done = Buffer.alloc(op === 'LIST' ? 20 : 76);
          done.write('DONE', 0, 'ascii');
          await send(done);
          break;
        }
        case 'SEND': {
          const comma = path.lastIndexOf(',');
          const target = comma >= 0 ? path.slice(0, comma) : path;
          const mode = comma >= 0 ? Number.parseInt(path.slice(comma + 1), 10) || 0o644 : 0o644;
          const chunks: Buffer[] = [];
          let size = 0;
          let mtime = Math.floor(Date.now() / 1000);
          let problem: string | null = null;
          for (;;) {
            const chunkHeader = await reader.read(8);
            const kind = chunkHeader.toString('ascii', 0, 4);
            const value = chunkHeader.readUInt32LE(4);
            if (kind === 'DONE') {
              mtime = value;
              break;
            }
            if (kind !== 'DATA' || value > SYNC_DATA_MAX) {
              problem = kind !== 'DATA' ? `bad SEND chunk '${kind}'` : `DATA chunk of ${value} bytes exceeds ${SYNC_DATA_MAX}`;
              break;
            }
            const data = await reader.read(value);
            size += data.length;
            if (size > SYNC_FILE_MAX) problem ??= STRERROR.ENOSPC!;
            else chunks.push(Buffer.from(data));
          }
          if (!problem) {
            try {
              fs.write(target, Buffer.concat(chunks, size), (mode & S_IFMT) === 0 ? S_IFREG | mode : mode, mtime);
            } catch (error) {
              problem = `couldn't create file: ${strerror(error)}`;
            }
          }
          await send(problem ? fail(problem) : id('OKAY', 0));
          if (problem && problem.startsWith('bad SEND') || problem?.startsWith('DATA chunk')) return void stream.end();
          break;
        }
        case 'RECV': {
          let data: Buffer;
          try {
            data = fs.read(path);
          } catch (error) {
            await send(fail(strerror(error)));
            break;
          }
          for (let offset = 0; offset < data.length; offset += SYNC_DATA_MAX) {
            const piece = data.subarray(offset, offset + SYNC_DATA_MAX);
            await send(Buffer.concat([id('DATA', piece.length), piece]));
          }
          await send(id('DONE', 0));
          break;
        }
        default:
          await send(fail(`unknown sync request '${op.replace(/[^\x20-\x7e]/g, '?')}'`));
          stream.end();
          return;
      }
    }
    stream.end();
  } catch (error) {
    if (!(error instanceof EndOfStreamError)) stream.destroy();
  }
}

export { ERRNO };
