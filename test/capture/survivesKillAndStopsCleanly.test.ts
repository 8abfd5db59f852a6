import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { readMarkers } from '../../harness/capture/index.js';
import { BIN, collectFlows, httpViaProxy, startCaptureProcess, tempDir } from './captureTestKit.js';

describe('phonehome capture as a sidecar process', function () {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir('proc'); });
  afterEach(() => tmp.remove());

  it('prints one ready line with the port, and SIGKILL mid-load keeps every completed flow', async () => {
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    expect(ready).to.include({ ready: true, out, pid: child.pid });
    expect(ready.port).to.be.above(0);

    const completed: string[] = [];
    let failures = 0;
    // Four concurrent senders; the kill lands while requests are in flight.
    const sender = async (n: number) => {
      for (let i = 0; ; i++) {
        const token = `t${n}-${i}`;
        try {
          await httpViaProxy(ready.port, `http://load.example/p?token=${token}`, { method: 'POST', agent: false }, `body-${token}`);
          completed.push(token);
        } catch {
          failures++;
          return;
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGKILL');
    await once(child, 'exit');
    await Promise.all(senders);

    expect(completed.length).to.be.above(20);
    const recorded = new Set((await collectFlows(out)).map((f) => f.query.replace('token=', '')));
    const lost = completed.filter((t) => !recorded.has(t));
    expect(lost, `${lost.length} of ${completed.length} completed requests missing`).to.deep.equal([]);
    const markers = await readMarkers(out);
    expect(markers[0]?.kind).to.equal('capture-start');
    expect(markers.some((m) => m.kind === 'capture-stop')).to.equal(false);
  });

  it('stops cleanly on SIGTERM, writing capture-stop, exit code 0', async () => {
    const out = path.join(tmp.dir, 'cap');
    const { child, ready } = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    await httpViaProxy(ready.port, 'http://one.example/');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).to.equal(0);
    const markers = await readMarkers(out);
    expect(markers.at(-1)?.kind).to.equal('capture-stop');
    expect((await collectFlows(out)).map((f) => f.host)).to.deep.equal(['one.example']);
  });

  it('exits 2 with one line naming the port when it is occupied', async () => {
    const out = path.join(tmp.dir, 'cap');
    const first = await startCaptureProcess(out, path.join(tmp.dir, 'home'));
    const second = spawn(process.execPath, [BIN, 'capture', '--port', String(first.ready.port), '--out', path.join(tmp.dir, 'cap2')], {
      env: { ...process.env, PHONEHOME_HOME: path.join(tmp.dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const [code] = (await once(second, 'exit')) as [number];
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    expect(code).to.equal(2);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(new RegExp(`port ${first.ready.port} on 127\\.0\\.0\\.1 is already in use`));
  });
});
