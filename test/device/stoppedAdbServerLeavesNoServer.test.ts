import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AdbClient, AdbServer, pidListeningOn } from '../../harness/device/index.js';

function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[0]!;
  } catch {
    return 'gone';
  }
}

/**
 * A run's private adb server is gone once stop() returns, even when `adb kill-server` does not end
 * it (it timed out under load, or a CLI call started a new server on the port meanwhile): a server
 * left on the port was what `interruptedRunPutsPhonesBack` kept finding after SIGINT runs.
 */
describe('device: a stopped adb server leaves no server behind', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-adbstop-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the server on its port by PID when kill-server does not return in time', async () => {
    const realAdb = execFileSync('sh', ['-c', 'command -v adb']).toString().trim();
    // The real adb for everything but kill-server, which hangs past the server's timeout as a loaded
    // machine's can; the server itself is the real adb's.
    const adb = path.join(dir, 'adb');
    await writeFile(adb, `#!/bin/sh\nfor a in "$@"; do [ "$a" = kill-server ] && exec sleep 30; done\nexec ${realAdb} "$@"\n`);
    await chmod(adb, 0o755);
    const server = new AdbServer({ bin: adb, timeoutMs: 1500 });
    await server.start();
    const port = server.port;
    const pid = pidListeningOn(port);
    expect(pid, 'a server listens after start()').to.be.a('number');
    await server.stop();
    expect(pidListeningOn(port), `a server still listens on ${port}`).to.equal(undefined);
    // Gone, or a zombie its reaper has not collected yet (its parent, the adb client, exited at start).
    expect(['gone', 'Z']).to.include(processState(pid!));
  });

  it('an adb CLI call the harness makes after the stop fails and starts no server on the port (adb -H: the server is "remote")', async () => {
    const server = new AdbServer();
    await server.start();
    const port = server.port;
    const device = new AdbClient({ port }).device('127.0.0.1:5555');
    await server.stop();
    // An undo still in flight when Ctrl-C's cleanup stopped the server: `adb reverse --remove`.
    const error = await device.removeReverse('tcp:8080').then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/cannot (connect to daemon|start server on remote host)/);
    await new Promise((r) => setTimeout(r, 300)); // a launched server would be listening by now
    expect(pidListeningOn(port), `a server was started on ${port}`).to.equal(undefined);
  });

  it('a closed client refuses every call before adbkit sees it, so none starts a server (adbkit starts one on a refused connection)', async () => {
    const server = new AdbServer();
    await server.start();
    const port = server.port;
    const client = new AdbClient({ port });
    const device = client.device('127.0.0.1:5555');
    client.close();
    await server.stop();
    for (const call of [() => device.shell('true'), () => device.listReverses(), () => client.listDevices(), () => device.removeReverse('tcp:8080')]) {
      const error = await call().then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/adb client is closed/);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(pidListeningOn(port), `a server was started on ${port}`).to.equal(undefined);
  });

  it('leaves a server on another port alone', async () => {
    const other = new AdbServer();
    await other.start();
    const mine = new AdbServer();
    await mine.start();
    try {
      await mine.stop();
      expect(pidListeningOn(other.port)).to.be.a('number');
    } finally {
      await other.stop();
    }
  });
});
