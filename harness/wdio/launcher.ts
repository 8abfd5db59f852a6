import path from 'node:path';
import { loadDevices, resolveDevicesFile, selectDevice } from '../config/index.js';
import { BROWSER_PROFILES } from '../drive/index.js';
import type { RunFolder } from '../report/index.js';
import { RunLifecycle } from '../run/index.js';
import type { PhonehomeServiceOptions } from './options.js';
import { STATE_ENV, writeRunState } from './runState.js';

/**
 * The launcher half of the wdio integration (wdio's onPrepare / onComplete, once per `wdio run`):
 * the run lifecycle's start half (run/runLifecycle.ts, as for `phonehome run`) — a run folder and
 * journal, the phone rigged with its own capture sidecar, proxy and CA provisioned, identifiers and
 * app versions journalled — before any worker starts; its finish half afterwards: the phone put
 * back, run.json, junit.xml, traffic.har and index.html written. The user's own Appium drives the
 * browser, so no phonehome driver; the phone is reached on the user's adb server (their Appium's).
 */
export class PhonehomeLauncher {
  #run: RunLifecycle | undefined;
  #finished: Promise<void> | undefined;

  constructor(private readonly options: PhonehomeServiceOptions, private readonly log: (line: string) => void = (line) => process.stdout.write(line + '\n')) {}

  get folder(): RunFolder | undefined {
    return this.#run?.folder;
  }

  async prepare(): Promise<void> {
    const devices = await loadDevices(resolveDevicesFile(this.options.devicesFile));
    const entry = selectDevice(devices, this.options.device);
    const suite = this.options.suite ?? 'wdio';
    const run = (this.#run = await RunLifecycle.open({
      out: path.resolve(this.options.out ?? 'reports'),
      argv: ['wdio', ...process.argv.slice(2)],
      io: { out: this.log, err: this.log },
      prefix: 'phonehome',
      suites: [{ name: suite, file: 'wdio' }],
      devicesDir: path.dirname(devices.file),
      browsers: BROWSER_PROFILES.map((p) => p.name),
      // The user's Appium reaches the phone through the user's adb server: the phone is connected there.
      adbPort: this.options.adbPort ?? (Number(process.env.ANDROID_ADB_SERVER_PORT) || 5037),
      describe: `wdio specs on ${entry.name} (suite ${suite})`,
    }));
    const phone = await run.rig(entry);
    const state = writeRunState({
      runId: run.runId,
      runDir: run.folder.dir,
      journal: run.folder.journal,
      suite,
      phone: {
        name: phone.name,
        captureDir: phone.captureDir,
        apps: phone.record.apps.flatMap((a) => (a.browser ? [{ browser: a.browser, package: a.package, version: a.version }] : [])),
      },
    });
    // wdio's local runner starts each worker with the launcher's environment.
    process.env[STATE_ENV] = state;
    this.log(`phonehome: ${phone.name} captures on 127.0.0.1:${phone.sidecar.port}`);
  }

  /**
   * The finish half: the phone put back, the reports written; safe to call twice. `status` is wdio's
   * (its workers journalled each test); `error`: why the run is an error.
   */
  finish(status: 'passed' | 'failed' | 'error', error?: string): Promise<void> {
    return (this.#finished ??= (async () => {
      const run = this.#run;
      delete process.env[STATE_ENV];
      if (!run) {
        // It stopped before the run folder (the devices file, the device name): say why, in one line.
        if (error) this.log(`phonehome: ${error}`);
        return;
      }
      if (error) run.error(error);
      else if (status === 'error') run.error('wdio ended with an error');
      if (status === 'failed') run.assertionFailed();
      await run.finish();
    })());
  }
}
