// Does a slow disk stall every connection of the sidecar? The capture folder's flows.jsonl is made
// a FIFO drained by a "disk" process that reads what is there, then sleeps --stall-ms: once the pipe
// (64 KB) is full, a write() of a flow line blocks as on a throttled or stalled disk (no root, no
// kernel device needed). Under a busy load (c10, 1 KB) a bystander connection streams a slow
// response (1 KB every 20 ms); the gaps it sees between chunks say whether the sidecar went on
// relaying while the disk held a write. Run once with a normal file for the baseline.
// Bodies (here 100 KB responses, stored in bodies/ blob files by positional writes) get their own
// slow disk: a small LD_PRELOAD library, built with gcc at run time, makes every pwrite/pwritev to
// a file under the capture's bodies/ folder sleep --stall-ms first, as a throttled disk holds a
// write; its baseline is the same 100 KB load on a normal folder. (No gcc: that part is skipped.)
// Not a timed test. Run: node --import tsx bench/capture/slowDisk.ts [--stall-ms 250 --seconds 4]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CA_CERT_FILE, ProxyTunnelAgent } from '../../harness/capture/index.js';
import { agentFor, load } from './loadClient.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(HERE, '..', '..', 'harness', 'phonehome.js');
const { values: args } = parseArgs({ options: { 'stall-ms': { type: 'string', default: '250' }, seconds: { type: 'string', default: '4' } } });
const STALL_MS = Number(args['stall-ms']);
const SECONDS = Number(args.seconds);
const DRIP_MS = 20;

async function firstLine(child: ChildProcess): Promise<string> {
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return line;
}

/** When (ms after the bystander started) it saw its longest gap end. */
let longestAt = 0;

/** Streams /drip through the proxy; resolves with the gaps between chunks (ms). */
function bystander(agent: https.Agent, originPort: number, chunks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const gaps: number[] = [];
    const start = performance.now();
    let last = start;
    https.get({ host: '127.0.0.1', servername: 'localhost', port: originPort, path: `/drip/${DRIP_MS}/${chunks}`, agent }, (res) => {
      res.on('data', () => {
        const now = performance.now();
        if (gaps.length > 0 && gaps.length < chunks - 1 && now - last > Math.max(...gaps.slice(1), 0)) longestAt = now - start;
        gaps.push(now - last);
        last = now;
      });
      res.once('end', () => resolve(gaps));
      res.once('error', reject);
    }).once('error', reject);
  });
}

/** Builds the LD_PRELOAD library that slows positional writes to matching files; undefined without gcc. */
function slowWriteLibrary(tmp: string): string | undefined {
  const source = path.join(tmp, 'slowpwrite.c');
  const library = path.join(tmp, 'slowpwrite.so');
  // Sleeps SLOWDISK_US before each positional write to a file whose path contains SLOWDISK_MATCH.
  // libuv writes at an offset with pwrite (one buffer) or pwritev (several); glibc's 64-bit names too.
  writeFileSync(source, `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
static long stall_us = -1;
static const char *match;
static void maybe_stall(int fd) {
  if (stall_us < 0) { const char *s = getenv("SLOWDISK_US"); match = getenv("SLOWDISK_MATCH"); stall_us = s ? atol(s) : 0; }
  if (stall_us <= 0 || !match) return;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return;
  target[n] = 0;
  if (strstr(target, match)) usleep(stall_us);
}
#define WRAP(name, params, args) ssize_t name params { static ssize_t (*real) params; if (!real) real = dlsym(RTLD_NEXT, #name); maybe_stall(fd); return real args; }
WRAP(pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
WRAP(pwrite64, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
WRAP(pwritev, (int fd, const struct iovec *v, int c, off_t o), (fd, v, c, o))
WRAP(pwritev64, (int fd, const struct iovec *v, int c, off_t o), (fd, v, c, o))
WRAP(pwritev2, (int fd, const struct iovec *v, int c, off_t o, int f), (fd, v, c, o, f))
WRAP(pwritev64v2, (int fd, const struct iovec *v, int c, off_t o, int f), (fd, v, c, o, f))
`);
  try {
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', library, source, '-ldl'], { stdio: 'ignore' });
    return library;
  } catch {
    return undefined;
  }
}

type Disk = { kind: 'normal' } | { kind: 'slow-flows' } | { kind: 'slow-bodies'; library: string };

async function scenario(tmp: string, originPort: number, originCa: string, disk_: Disk, bytes: number): Promise<string> {
  const slow = disk_.kind === 'slow-flows';
  const out = path.join(tmp, `cap-${disk_.kind}-${bytes}`);
  mkdirSync(out, { recursive: true });
  let disk: ChildProcess | undefined;
  const preload = disk_.kind === 'slow-bodies' ? { LD_PRELOAD: disk_.library, SLOWDISK_US: String(STALL_MS * 1000), SLOWDISK_MATCH: `${out}/bodies/` } : {};
  if (slow) {
    execFileSync('mkfifo', [path.join(out, 'flows.jsonl')]);
    // The "disk": drains the FIFO into a file, then stalls.
    disk = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      const fd = fs.openSync(process.argv[1], 'r');
      const sink = fs.openSync(process.argv[2], 'w');
      const buf = Buffer.alloc(1 << 20);
      const step = () => {
        let n;
        try { n = fs.readSync(fd, buf); } catch (e) { if (e.code === 'EAGAIN') return setTimeout(step, ${STALL_MS}); throw e; }
        if (n === 0) return;
        fs.writeSync(sink, buf, 0, n);
        setTimeout(step, ${STALL_MS});
      };
      step();`, path.join(out, 'flows.jsonl'), path.join(out, 'flows.drained')], { stdio: 'inherit' });
  }
  const child = spawn(process.execPath, [BIN, 'capture', '--port', '0', '--workers', '1', '--out', out, '--upstream', 'live', '--upstream-ca', path.join(tmp, 'origin.pem')], {
    env: { ...process.env, PHONEHOME_HOME: path.join(tmp, 'home'), ...preload },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = JSON.parse(await firstLine(child)) as { port: number };
  const proxy = { port: ready.port, ca: readFileSync(path.join(tmp, 'home', CA_CERT_FILE), 'utf8') };
  const busyAgent = agentFor(proxy, originCa, 10);
  const soloAgent = new ProxyTunnelAgent({ proxy: { host: '127.0.0.1', port: ready.port }, ca: proxy.ca, keepAlive: true });
  await load(busyAgent, originPort, bytes, 50, 10, 'warm'); // connections, certificates
  await bystander(soloAgent, originPort, 2);
  // The busy load runs for about SECONDS: as many requests as a normal disk takes that long for.
  const chunks = Math.round((SECONDS * 1000) / DRIP_MS);
  let busyDone = false;
  const busy = (async () => {
    let total = 0;
    let failed = 0;
    const p50s: number[] = [];
    const t0 = performance.now();
    while (!busyDone) {
      const r = await load(busyAgent, originPort, bytes, bytes > 10_000 ? 20 : 100, 10, 'busy');
      total += r.requests - r.failed;
      failed += r.failed;
      p50s.push(r.p50);
    }
    return { rps: total / ((performance.now() - t0) / 1000), failed, p50: p50s.sort((a, b) => a - b)[p50s.length >> 1]! };
  })();
  const gaps = await bystander(soloAgent, originPort, chunks);
  busyDone = true;
  const b = await busy;
  busyAgent.destroy();
  soloAgent.destroy();
  child.kill('SIGTERM');
  await once(child, 'exit');
  disk?.kill('SIGTERM');
  // The last chunk comes with the response's end, held until the flow's line is written (the
  // durability rule: the client never sees the end of a response whose flow is not on disk).
  const endHeld = gaps[gaps.length - 1]!;
  const sorted = gaps.slice(1, -1).sort((a, c) => a - c);
  const stalls = sorted.filter((g) => g > 4 * DRIP_MS).length;
  const label = { normal: 'normal folder', 'slow-flows': `flows FIFO, drained every ${STALL_MS} ms`, 'slow-bodies': `bodies: ${STALL_MS} ms per write` }[disk_.kind];
  return `${`${label}, busy ${bytes >> 10} KB`.padEnd(42)} bystander gaps: p50 ${sorted[sorted.length >> 1]!.toFixed(0)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms (ending ${(longestAt / 1000).toFixed(1)} s in), ${stalls} over ${4 * DRIP_MS} ms; last chunk (the end) ${endHeld.toFixed(0)} ms; busy load ${b.rps.toFixed(0)} req/s, p50 ${b.p50.toFixed(1)} ms${b.failed ? `, ${b.failed} failed` : ''}`;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'phonehome-bench-slowdisk-'));
let origin: ChildProcess | undefined;
try {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', path.join(tmp, 'origin-key.pem'), '-out', path.join(tmp, 'origin.pem')], { stdio: 'ignore' });
  const originCa = readFileSync(path.join(tmp, 'origin.pem'), 'utf8');
  origin = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'localOrigin.ts'), path.join(tmp, 'origin-key.pem'), path.join(tmp, 'origin.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const originPort = Number(await firstLine(origin));
  console.log(`a bystander streaming 1 KB every ${DRIP_MS} ms for ${SECONDS} s through the sidecar, beside a busy load (c10); target: no gap much over ${DRIP_MS} ms`);
  console.log(await scenario(tmp, originPort, originCa, { kind: 'normal' }, 1024));
  console.log(await scenario(tmp, originPort, originCa, { kind: 'slow-flows' }, 1024));
  const library = slowWriteLibrary(tmp);
  console.log(await scenario(tmp, originPort, originCa, { kind: 'normal' }, 100 * 1024));
  if (library) console.log(await scenario(tmp, originPort, originCa, { kind: 'slow-bodies', library }, 100 * 1024));
  else console.log('bodies on a slow disk: skipped (no gcc to build the LD_PRELOAD library)');
} finally {
  origin?.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
