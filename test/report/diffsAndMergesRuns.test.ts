import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main.js';
import type { RunDiff, RunRecord } from '../../harness/report/types.js';
import { runRecordErrors } from '../../harness/report/index.js';
import { writeRun, type KitPhone } from './runFolderKit.js';

const VENDOR = 'sa.api.intl.miui.com';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('phonehome diff and merge on recorded run folders', function () {
  this.timeout(30_000);
  let dir: string;
  let older: string;
  let newer: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-farm-diff-'));
    const before: KitPhone = {
      name: 'redmi-note-8', apps: { mint: '3.4.0' },
      visits: [{ browser: 'mint', mode: 'normal', leakTo: VENDOR }, { browser: 'mint', mode: 'incognito', leakTo: VENDOR }],
      hosts: ['api.ad.intl.xiaomi.com'],
    };
    const after: KitPhone = {
      name: 'redmi-note-8-updated', apps: { mint: '3.4.3' },
      visits: [{ browser: 'mint', mode: 'normal', leakTo: VENDOR }, { browser: 'mint', mode: 'incognito' }, { browser: 'mint', mode: 'normal', leakTo: 'tracking.intl.miui.com' }],
      hosts: ['data.mistat.intl.xiaomi.com'],
      tlsRejected: ['pinned.intl.miui.com'],
    };
    older = (await writeRun(path.join(dir, 'old'), [before])).folder.dir;
    newer = (await writeRun(path.join(dir, 'new'), [after])).folder.dir;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists new leaks, stopped leaks, new hosts, app versions and blind spots, and exits 1 on a new leak', async () => {
    const r = await cli(['diff', older, newer, '--json']);
    expect(r.code, r.err).to.equal(1);
    const diff = JSON.parse(r.out) as RunDiff;
    // One key per decoding chain that exposed it (the token alone, the full URL …).
    expect([...new Set(diff.newLeaks.map((l) => `${l.subject} ${l.host}`))]).to.deep.equal(['visit mint normal tracking.intl.miui.com']);
    expect(diff.newLeaks[0]!.encoding).to.match(/form > base64 > gzip > json/);
    expect([...new Set(diff.stoppedLeaks.map((l) => `${l.subject} ${l.host}`))]).to.deep.equal([`visit mint incognito ${VENDOR}`]);
    expect(diff.stoppedLeaks.length).to.equal(diff.newLeaks.length);
    expect(diff.newHosts).to.include.members(['data.mistat.intl.xiaomi.com', 'tracking.intl.miui.com']);
    expect(diff.newHosts).to.not.include(VENDOR);
    expect(diff.goneHosts).to.include('api.ad.intl.xiaomi.com');
    expect(diff.appVersions).to.deep.equal([{ app: 'mint', package: 'com.example.mint', old: ['3.4.0'], new: ['3.4.3'] }]);
    expect(diff.newBlindSpots).to.deep.equal([{ reason: 'tls-rejected', host: 'pinned.intl.miui.com', count: 1 }]);

    const text = await cli(['diff', older, newer]);
    expect(text.out).to.match(/new leaks: \d\n  visit mint normal → tracking\.intl\.miui\.com/);
    expect(text.out).to.match(/leaks that stopped: \d\n  visit mint incognito → sa\.api\.intl\.miui\.com/);
  });

  it('exits 0 when nothing new leaked, and never calls an unobserved leak stopped', async () => {
    const same = await cli(['diff', newer, newer]);
    expect(same.code, same.err).to.equal(0);
    expect(same.out).to.match(/new leaks: none/);
    // The old run leaked in incognito; a new run that made no incognito visit did not observe it.
    const noIncognito = (await writeRun(path.join(dir, 'normal-only'), [{ name: 'p', apps: { mint: '3.4.0' }, visits: [{ browser: 'mint', mode: 'normal', leakTo: VENDOR }] }])).folder.dir;
    const r = await cli(['diff', older, noIncognito, '--json']);
    expect(r.code).to.equal(0);
    const diff = JSON.parse(r.out) as RunDiff;
    expect(diff.stoppedLeaks).to.deep.equal([]);
    expect([...new Set(diff.unconfirmedLeaks.map((l) => l.subject))]).to.deep.equal(['visit mint incognito']);
    expect(diff.unconfirmedLeaks[0]!.why).to.match(/made no such visit/);
  });

  it('merge combines runs into one run folder whose report holds every phone, and shows the baseline diff', async () => {
    const reports = path.join(dir, 'merged');
    const r = await cli(['merge', older, newer, '--out', reports, '--baseline', older]);
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.out).to.match(/merged 2 runs into .* \(passed\): 2 phones, 2 tests/);
    const runDir = path.join(reports, 'latest');
    const run = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    expect(runRecordErrors(run)).to.deep.equal([]);
    expect(run.phones.map((p) => p.name).sort()).to.deep.equal(['redmi-note-8', 'redmi-note-8-updated']);
    expect(run.visits).to.have.length(5);
    expect(run.visits.filter((v) => v.verdict === 'leaked')).to.have.length(4);
    expect(run.visits.filter((v) => v.mode === 'incognito').map((v) => `${v.device} ${v.verdict}`).sort()).to.deep.equal(['redmi-note-8 leaked', 'redmi-note-8-updated not-leaked']);
    const html = await readFile(path.join(runDir, 'index.html'), 'utf8');
    expect(html).to.match(/Changes since run /);
    expect(html).to.contain('tracking.intl.miui.com');
    // The merged folder is a run folder: report rebuilds it, with or without the baseline diff.
    expect((await cli(['report', runDir])).code).to.equal(0);
    expect(await readFile(path.join(runDir, 'index.html'), 'utf8')).to.not.match(/Changes since run /);
    expect((await cli(['report', runDir, '--baseline', older])).code).to.equal(0);
    expect(await readFile(path.join(runDir, 'index.html'), 'utf8')).to.match(/Changes since run /);
  });

  it('merge renames phones that two runs share, keeping each capture apart', async () => {
    const a = (await writeRun(path.join(dir, 'shard-1'), [{ name: 'emu', apps: { mint: '3.4.0' }, visits: [{ browser: 'mint', mode: 'normal', leakTo: VENDOR }] }])).folder.dir;
    const b = (await writeRun(path.join(dir, 'shard-2'), [{ name: 'emu', apps: { mint: '3.4.0' }, visits: [{ browser: 'mint', mode: 'incognito' }] }], 'failed')).folder.dir;
    const reports = path.join(dir, 'merged-shards');
    const r = await cli(['merge', a, b, '--out', reports]);
    expect(r.code, r.err).to.equal(1);
    const run = JSON.parse(await readFile(path.join(reports, 'latest', 'run.json'), 'utf8')) as RunRecord;
    expect(run.status).to.equal('failed');
    expect(run.phones.map((p) => p.name)).to.deep.equal(['emu@1', 'emu@2']);
    expect(await readdir(path.join(reports, 'latest', 'capture'))).to.have.members(['emu@1', 'emu@2']);
    expect(run.visits.map((v) => `${v.device} ${v.mode} ${v.verdict}`).sort()).to.deep.equal(['emu@1 normal leaked', 'emu@2 incognito not-leaked']);
  });

  it('refuses bad input with one-line errors and exit 2', async () => {
    const notRun = path.join(dir, 'not-a-run');
    await writeFile(path.join(dir, 'file.txt'), 'x');
    const cases: Array<[string[], RegExp]> = [
      [['diff', older], /pass two run folders, OLD then NEW/],
      [['diff', older, notRun], /run folder .*not-a-run does not exist/],
      [['merge'], /name the run folders to merge/],
      [['merge', older, older, '--out', path.join(dir, 'x')], /is the same run folder as/],
      [['merge', older, '--baseline', notRun, '--out', path.join(dir, 'y')], /not-a-run does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(message);
      expect(r.err.split('\n'), args.join(' ')).to.have.length(1);
    }
    const corrupt = (await writeRun(path.join(dir, 'corrupt'), [{ name: 'p', apps: {}, visits: [] }])).folder.dir;
    await writeFile(path.join(corrupt, 'run.json'), '{"schema":"phonehome/run@1"');
    const r = await cli(['diff', older, corrupt]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/run\.json: not valid JSON .*rebuild it with 'phonehome report/);
  });
});
