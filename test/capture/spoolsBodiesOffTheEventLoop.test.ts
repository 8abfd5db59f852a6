import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, open, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readBody } from '../../harness/capture/index.js';
import { CaptureFolder } from '../../harness/capture/captureFolder.js';
import { SPOOL_HIGH_WATER } from '../../harness/capture/bodySpool.js';
import { tempDir } from './captureTestKit.js';

/**
 * Occupies every thread of libuv's pool (the "disk" of every asynchronous fs call) with an open()
 * of a FIFO that has no writer yet: each blocks until released. libuv's queue is first in, first
 * out, so any fs call made after this waits behind them: a disk that holds every write.
 */
function holdTheThreadPool(dir: string): { release: () => Promise<void> } {
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const fifos = Array.from({ length: threads }, (_, i) => path.join(dir, `hold-${i}`));
  const opened = fifos.map((fifo) => {
    execFileSync('mkfifo', [fifo]);
    return new Promise<void>((resolve, reject) => open(fifo, 'r', (error, fd) => (error ? reject(error) : (closeSync(fd), resolve()))));
  });
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        // A writer's open completes each reader's (the readers are counted while they wait).
        for (const fifo of fifos) closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        await Promise.all(opened);
      })()),
  };
}

describe('capture: bodies are spooled to disk off the event loop', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let disk: ReturnType<typeof holdTheThreadPool> | undefined;
  before(() => (tmp = tempDir('spool')));
  // A failed assertion must not leave the pool held: every later fs call would wait forever.
  afterEach(() => disk?.release());
  after(() => tmp.remove());

  it('while the disk holds every write, chunks are taken and the producer is told to pause; finish() waits for the bytes, which then land whole', async () => {
    const folder = new CaptureFolder(path.join(tmp.dir, 'cap'));
    const size = 3 * 1024 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 7 + (i >> 11)) & 0xff;
    // Declared length up to 8 MB: a range of a shared blob file, whose descriptor is opened now.
    const spool = folder.bodySpool('f1.res', { expectedSize: size });
    disk = holdTheThreadPool(tmp.dir);
    let paused = -1;
    for (let at = 0; at < size; at += 64 * 1024) {
      if (!spool.write(body.subarray(at, at + 64 * 1024)) && paused < 0) paused = at + 64 * 1024;
    }
    // A synchronous write would have put the bytes in the file before write() returned.
    const blob = readFileSync(path.join(tmp.dir, 'cap', 'bodies', statSyncBlob(path.join(tmp.dir, 'cap', 'bodies'))));
    expect(blob.subarray(0, size).some((b) => b !== 0), 'no byte reached the held disk yet').to.equal(false);
    expect(paused, 'the producer is told to pause once more than SPOOL_HIGH_WATER waits').to.be.above(SPOOL_HIGH_WATER).and.at.most(SPOOL_HIGH_WATER + 64 * 1024 + 1);
    let writable = false;
    void spool.whenWritable().then(() => (writable = true));
    let ref: Awaited<ReturnType<typeof spool.finish>> | undefined;
    const finished = spool.finish().then((r) => (ref = r));
    // The event loop turns (timers fire) while the disk holds the writes; finish() does not resolve.
    await new Promise((r) => setTimeout(r, 150));
    expect(ref, 'finish() resolved before its bytes were written').to.equal(undefined);
    expect(writable).to.equal(false);
    await disk.release();
    await finished;
    expect(writable, 'the paused producer is woken once the bytes are written').to.equal(true);
    expect(ref!.size).to.equal(size);
    expect(ref!.truncated).to.equal(undefined);
    expect((await readBody(folder.dir, ref!)).equals(body), 'the body reads back whole').to.equal(true);
    folder.close();
  });

  it('a body of unknown length past the memory allowance goes to its own file, written in order, whole', async () => {
    const folder = new CaptureFolder(path.join(tmp.dir, 'cap2'));
    const spool = folder.bodySpool('f2.req');
    const parts: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const part = Buffer.alloc(16 * 1024 + (i % 7), i & 0xff);
      parts.push(part);
      if (!spool.write(part)) await spool.whenWritable();
    }
    const ref = await spool.finish();
    expect(ref.file).to.equal('bodies/f2.req');
    expect(ref.offset).to.equal(undefined);
    expect((await readBody(folder.dir, ref)).equals(Buffer.concat(parts))).to.equal(true);
    folder.close();
  });
});

/** The one blob file in `bodies`. */
function statSyncBlob(bodies: string): string {
  const names = readdirSync(bodies).filter((n) => n.startsWith('blob-'));
  expect(names).to.have.length(1);
  expect(statSync(path.join(bodies, names[0]!)).isFile()).to.equal(true);
  return names[0]!;
}
