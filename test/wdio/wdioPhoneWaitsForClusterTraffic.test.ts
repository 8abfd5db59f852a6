import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { flowBytesWritten } from '../../harness/capture/index.js';
import { ClusterSidecar } from '../../harness/capture/clusterSidecar.js';
import { WdioPhone } from '../../harness/wdio/wdioPhone.js';
import type { WdioRunState } from '../../harness/wdio/runState.js';
import { collectFlows, httpViaProxy, tempDir } from '../capture/captureTestKit.js';

// `phonehome capture --workers N` records into flows.<n>.jsonl, one file per worker, and no
// flows.jsonl at all. The wdio service's phone must see that traffic arrive (to wait for the
// phone to go quiet) exactly as it does for a one-process capture's flows.jsonl.
describe('wdio: the phone waits for traffic recorded by a cluster capture (flows.<n>.jsonl)', function () {
  // Forking workers that load mockttp from the TypeScript sources is slow on a loaded 2-core machine.
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  let sidecar: ClusterSidecar;
  let out: string;
  let phone: WdioPhone;

  before(async () => {
    tmp = tempDir('wdio-cluster');
    out = path.join(tmp.dir, 'cap');
    sidecar = new ClusterSidecar({ out, home: path.join(tmp.dir, 'home'), workers: 2 });
    await sidecar.start();
    const state: WdioRunState = {
      runId: 'r1',
      runDir: tmp.dir,
      journal: path.join(tmp.dir, 'journal.jsonl'),
      suite: 'cluster',
      phone: { name: 'phone-1', captureDir: out, apps: [{ browser: 'mint', package: 'com.mi.globalbrowser.mini', version: '3.0' }] },
    };
    phone = new WdioPhone(state, { capabilities: { 'appium:appPackage': 'com.mi.globalbrowser.mini' } });
  });
  after(async () => {
    await phone?.close();
    await sidecar?.stop();
    tmp?.remove();
  });

  it('counts every worker\'s flows file, and waitForTelemetry returns only once their traffic is quiet', async () => {
    const url = phone.uniqueUrl('http://news.example/');
    const visit = await phone.visit(url, () => httpViaProxy(sidecar.port, url));
    // The browser goes on talking to trackers for a while after the visit: longer than the
    // visit's own verdict window (t1 + grace + heartbeat), each request on a new connection, so
    // the cluster spreads them over both workers.
    const quietMs = 1000;
    let chatting = true;
    let sent = 0;
    const chatter = (async () => {
      const until = Date.now() + 5500;
      while (Date.now() < until) {
        await httpViaProxy(sidecar.port, `http://tracker.example/beacon?n=${sent++}`, { agent: false });
        await new Promise((r) => setTimeout(r, 150));
      }
      chatting = false;
    })();
    const before = await flowBytesWritten(out);
    await phone.waitForTelemetry({ quietMs, timeoutMs: 30_000 });
    const returnedAt = Date.now();
    const stillChatting = chatting;
    await chatter;

    expect(existsSync(path.join(out, 'flows.jsonl')), 'a cluster capture has no flows.jsonl').to.equal(false);
    expect(readdirSync(out).filter((n) => /^flows\.\d+\.jsonl$/.test(n)).sort()).to.deep.equal(['flows.1.jsonl', 'flows.2.jsonl']);
    expect(await flowBytesWritten(out), 'flowBytesWritten grows with the workers\' files').to.be.above(before);
    expect(stillChatting, 'waitForTelemetry returned while the phone was still sending').to.equal(false);
    const beacons = (await collectFlows(out)).filter((f) => f.host === 'tracker.example');
    expect(beacons).to.have.length(sent);
    const lastEnded = Math.max(...beacons.map((f) => f.endedAt ?? 0));
    expect(returnedAt - lastEnded, 'quiet for quietMs after the last flow').to.be.at.least(quietMs - 20);
    // The analysis it made then covers the visit, from the merged workers' files.
    expect(phone.analysisSince(visit.record.t1)?.flows, 'flows analysed').to.equal((await collectFlows(out)).length);
    expect(visit.judgement()).to.not.equal(undefined);
  });
});
