import path from 'node:path';
import { loadDevices, resolveDevicesFile, selectDevice } from '../../config/index.js';
import { AdbClient, undoOnSignals } from '../../device/index.js';
import { BROWSER_PROFILES, profilePackages } from '../../drive/index.js';
import { createRunFolder, JournalWriter, writeReports, type RunFolder } from '../../report/index.js';
import { RiggedPhone } from '../riggedPhone.js';
import type { PhonehomeServiceOptions } from './options.js';
import { STATE_ENV, writeRunState } from './runState.js';

/**
 * The launcher half of the wdio integration (wdio's onPrepare / onComplete, once per `wdio run`):
 * rigs the phone as `phonehome run` does — its own capture sidecar recording into a run folder,
 * proxy and CA provisioned, identifiers and app versions journalled — before any worker starts,
 * and afterwards puts the phone back and writes run.json, junit.xml, traffic.har and index.html.
 */
export class PhonehomeLauncher {
  #rig: RiggedPhone | undefined;
  #folder: RunFolder | undefined;
  #journal: JournalWriter | undefined;
  #disposeSignals: (() => void) | undefined;
  #finished: Promise<void> | undefined;

  constructor(private readonly options: PhonehomeServiceOptions, private readonly log: (line: string) => void = (line) => process.stdout.write(line + '\n')) {}

  get folder(): RunFolder | undefined {
    return this.#folder;
  }

  async prepare(): Promise<void> {
    const devices = await loadDevices(resolveDevicesFile(this.options.devicesFile));
    const entry = selectDevice(devices, this.options.device);
    const folder = (this.#folder = await createRunFolder(path.resolve(this.options.out ?? 'reports')));
    const journal = (this.#journal = new JournalWriter(folder.journal));
    const suite = this.options.suite ?? 'wdio';
    journal.write({ type: 'run-start', runId: folder.runId, startedAt: Date.now(), argv: ['wdio', ...process.argv.slice(2)] });
    journal.write({ type: 'suite', name: suite, file: 'wdio' });
    const packages = Object.fromEntries(BROWSER_PROFILES.map((p) => [p.name, profilePackages(p, entry.packages)]));
    const adb = new AdbClient(this.options.adbPort !== undefined ? { port: this.options.adbPort } : {});
    const rig = (this.#rig = new RiggedPhone({ entry, adb, folder, journal, baseDir: path.dirname(devices.file), packages, log: this.log }));
    // Ctrl-C while wdio runs: the phone gets its settings back and the report is written.
    this.#disposeSignals = undoOnSignals(() => this.finish('error', 'interrupted by a signal before the specs finished'), { log: this.log });
    this.log(`phonehome: rigging ${entry.name} (capture, proxy, CA) into ${folder.dir}`);
    await rig.start();
    const state = writeRunState({
      runId: folder.runId,
      runDir: folder.dir,
      journal: folder.journal,
      suite,
      phone: {
        name: rig.name,
        captureDir: rig.captureDir,
        apps: rig.record.apps.flatMap((a) => (a.browser ? [{ browser: a.browser, package: a.package, version: a.version }] : [])),
      },
    });
    // wdio's local runner starts each worker with the launcher's environment.
    process.env[STATE_ENV] = state;
    this.log(`phonehome: ${rig.name} captures on 127.0.0.1:${rig.sidecar.port}`);
  }

  /** Puts the phone back and writes the reports; safe to call twice (a signal during onComplete). */
  finish(status: 'passed' | 'failed' | 'error', error?: string): Promise<void> {
    return (this.#finished ??= (async () => {
      const journal = this.#journal;
      const folder = this.#folder;
      let final = status;
      const problem = (message: string) => {
        final = 'error';
        this.log(`phonehome: ${message}`);
        journal?.write({ type: 'error', time: Date.now(), message });
      };
      if (error) problem(error);
      for (const p of (await this.#rig?.stop()) ?? []) problem(p);
      this.#disposeSignals?.();
      delete process.env[STATE_ENV];
      if (!journal || !folder) return;
      journal.write({ type: 'run-end', endedAt: Date.now(), status: final });
      journal.close();
      await writeReports(folder);
      this.log(`phonehome: report ${path.relative(process.cwd(), folder.html) || folder.html}`);
    })());
  }
}
