import { expect } from 'chai';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { appendFile, mkdir, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CaptureSidecar } from '../../harness/capture/index.js';
import { PhonehomeError } from '../../harness/errors.js';
import { createRunFolder, JournalWriter, RUN_FILES } from '../../harness/report/index.js';
import { PHONEHOME_BIN } from '../phonehomeBin.js';

const BIN = PHONEHOME_BIN;

function phonehome(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

function get(port: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, headers: { host: new URL(url).host } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('run folders and phonehome report', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'phonehome-runfolder-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates reports/<run-id>/ and points reports/latest at the newest', async () => {
    const reports = path.join(root, 'reports');
    const first = await createRunFolder(reports, '20200430-203027-aaaa');
    expect((await stat(path.join(first.dir, RUN_FILES.captures))).isDirectory()).to.equal(true);
    expect(await readlink(path.join(reports, 'latest'))).to.equal('20200430-203027-aaaa');
    await createRunFolder(reports, '20200430-203028-bbbb');
    expect(await readlink(path.join(reports, 'latest'))).to.equal('20200430-203028-bbbb');
    expect(first.captureDir('redmi-note-8')).to.equal(path.join(first.dir, 'capture', 'redmi-note-8'));
    expect(() => first.captureDir('../etc')).to.throw(PhonehomeError, /cannot name a folder/);
  });

  it('leaves a real folder named latest alone, with a one-line error', async () => {
    const reports = path.join(root, 'reports-with-folder');
    await mkdir(path.join(reports, 'latest'), { recursive: true });
    let error: unknown;
    try {
      await createRunFolder(reports);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.match(/latest is a folder, not the 'latest' symlink; move it away/);
  });

  it('phonehome report refuses a folder that is not a run folder, exit 2 and one line', async () => {
    const r = await phonehome(['report', root]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/has no journal\.jsonl: it is not a run folder/);
    const none = await phonehome(['report', path.join(root, 'nope')]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/run folder .*nope does not exist/);
  });

  it('rebuilds every report file of a run that never finished (torn journal line, no run-end)', async () => {
    const reports = path.join(root, 'reports-killed');
    const folder = await createRunFolder(reports);
    const journal = new JournalWriter(folder.journal);
    journal.write({ type: 'run-start', runId: folder.runId, startedAt: Date.now(), argv: ['run', 'smoke'] });
    journal.write({ type: 'suite', name: 'smoke', file: 'scenarios/smoke.ts' });
    journal.write({ type: 'test', test: { suite: 'smoke', title: 'first', fullTitle: 'smoke first', state: 'passed', durationMs: 3, visitIds: [] } });
    journal.close();
    // A kill mid-write leaves half a line.
    await appendFile(folder.journal, '{"type":"test","test":{"suite":"smo');
    const sidecar = new CaptureSidecar({ out: folder.captureDir('phone-a'), port: 0, upstream: 'sink', home: path.join(root, 'home') });
    await sidecar.start();
    for (let i = 0; i < 3; i++) await get(sidecar.port, `http://news.example.org/page/${i}`);
    await sidecar.stop();

    const r = await phonehome(['report', path.join(reports, 'latest')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/run .* \(incomplete\): 0 visits, 0 leaked, 0 unobservable, 0 findings, 3 flows/);
    const run = JSON.parse(await readFile(folder.runJson, 'utf8'));
    expect(run.status).to.equal('incomplete');
    expect(run.suites[0].tests).to.have.length(1);
    expect(run.captures).to.deep.include({ ...run.captures[0], device: 'phone-a', flows: 3 });
    const har = JSON.parse(await readFile(folder.har, 'utf8'));
    expect(har.log.entries.map((e: { request: { url: string } }) => e.request.url)).to.deep.equal([0, 1, 2].map((i) => `http://news.example.org/page/${i}`));
    expect(await readFile(folder.html, 'utf8')).to.contain('run did not finish');
    expect(await readFile(folder.junit, 'utf8')).to.match(/errors="1"/);
  });
});
