import { expect } from 'chai';
import { appendFile, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CaptureSidecar, cutOffFlowLine, readBlindSpots } from '../../harness/capture/index.js';
import { detectCommand } from '../../harness/cli/detectCommand.js';
import { analyseCaptureFolder, newVisitCanaries } from '../../harness/detect/index.js';
import { collectFlows, httpViaProxy, tempDir } from './captureTestKit.js';

describe('capture: a flows.jsonl line cut off by a kill is counted and reported, not dropped without a word', function () {
  this.timeout(30_000);
  const tmp = tempDir('cutoff');
  after(() => tmp.remove());

  it('the reader reports it as a flow-cut-off blind spot naming the flow; detect shows it and the verdicts it could hide are unobservable', async () => {
    const out = path.join(tmp.dir, 'cap');
    const sidecar = new CaptureSidecar({ out, port: 0, home: path.join(tmp.dir, 'home'), heartbeatMs: 100 });
    await sidecar.start();
    const visit = newVisitCanaries('v1', 'http://news.example.com/article');
    const t0 = Date.now();
    await httpViaProxy(sidecar.port, visit.url, { headers: { accept: 'text/html' } });
    const t1 = Date.now();
    await httpViaProxy(sidecar.port, 'http://telemetry.example.net/batch?n=1', { method: 'POST' }, 'x'.repeat(2000));
    await new Promise((r) => setTimeout(r, 400));
    await sidecar.stop();
    const file = path.join(out, 'flows.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).to.have.length(2);
    expect(await cutOffFlowLine(out)).to.equal(undefined);

    // What a SIGKILL mid-write leaves: the last record only partly on disk, no newline.
    const whole = await readFile(file);
    await truncate(file, whole.length - 1 - Math.floor(lines[1]!.length / 2));
    expect((await collectFlows(out)).map((f) => f.host)).to.deep.equal(['news.example.com']);
    const spots = (await readBlindSpots(out)).filter((b) => b.reason === 'flow-cut-off');
    expect(spots).to.have.length(1);
    const last = JSON.parse(lines[1]!) as { id: string; startedAt: number };
    expect(spots[0]).to.include({ reason: 'flow-cut-off', host: 'telemetry.example.net', flowId: last.id, time: last.startedAt });
    expect(spots[0]!.detail).to.match(/the last line of flows\.jsonl \(\d+ bytes\) was cut off mid-write/);

    const analysis = await analyseCaptureFolder(out, { visits: [{ id: 'v1', device: 'd', browser: 'b', mode: 'normal', url: visit.url, canaries: visit.canaries, t0, t1 }], graceMs: 200 });
    const verdict = analysis.verdicts[0]!;
    expect(verdict.verdict).to.equal('unobservable');
    expect(verdict.verdict === 'unobservable' && verdict.reasons.join('\n')).to.match(/flow-cut-off for telemetry\.example\.net/);

    const printed: string[] = [];
    await writeFile(path.join(tmp.dir, 'visits.jsonl'), JSON.stringify({ id: 'v1', device: 'd', browser: 'b', mode: 'normal', url: visit.url, canaries: visit.canaries, t0, t1 }) + '\n');
    await detectCommand.run([out, '--visits', path.join(tmp.dir, 'visits.jsonl')], { out: (l) => printed.push(l), err: (l) => printed.push(l) });
    expect(printed.join("\n"), printed.join("\n")).to.match(/Cut off \(1; a blind spot for visits around it\):\n {2}flow \S+ telemetry\.example\.net the last line of flows\.jsonl/);

    // A complete last line that only lacks its newline is not cut off.
    await writeFile(file, lines[0]!);
    expect(await cutOffFlowLine(out)).to.equal(undefined);
    await appendFile(file, '\n');
    expect(await cutOffFlowLine(out)).to.equal(undefined);
  });
});
