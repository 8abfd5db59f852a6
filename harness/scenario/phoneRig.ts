import path from 'node:path';
import { CaptureSidecar, HEARTBEAT_MS, MarkerWriter, readFlows, readMarkers } from '../capture/index.js';
import { captureCoverage, deviceIdentifiersMarker, type Canary, type Coverage } from '../detect/index.js';
import type { DeviceEntry } from '../config/index.js';
import { DeviceSession, type AdbClient, type Identifiers } from '../device/index.js';
import { BROWSER_PROFILES } from '../drive/browsers/index.js';
import { PhonehomeError } from '../errors.js';
import {
  analysePhoneCapture,
  hostAddressesMarker,
  type AppRecord,
  type JournalWriter,
  type PhoneCaptureAnalysis,
  type PhoneRecord,
  type RunFolder,
} from '../report/index.js';

export interface PhoneRigOptions {
  entry: DeviceEntry;
  adb: AdbClient;
  folder: RunFolder;
  journal: JournalWriter;
  /** Folder of devices.json (launch.cwd is relative to it). */
  baseDir: string;
  /** Candidate packages per browser profile (override first), to find which is installed and its version. */
  packages: Record<string, string[]>;
  log: (line: string) => void;
  /** Called with a launched phone's PID as soon as it runs (the run's process ledger). */
  onLaunch?: (pid: number) => void;
}

/** A phone's latest analysis, with the visits it covered. */
export interface PhoneAnalysis extends PhoneCaptureAnalysis {
  /** When the analysis started reading (ms): it covers everything captured before. */
  at: number;
  /** Was the capture up from the phone's provisioning until `at`? (identifiers are judged over that window) */
  coverage: Coverage;
}

/**
 * One phone rigged for a run: started and connected (DeviceSession), its own capture sidecar
 * recording into the run folder, provisioned to use it, identifiers and app versions read and
 * journalled. stop() undoes all of it, whatever state start() reached.
 */
export class PhoneRig {
  readonly entry: DeviceEntry;
  readonly session: DeviceSession;
  readonly captureDir: string;
  #sidecar: CaptureSidecar | undefined;
  #identifiers: Identifiers | undefined;
  #record: PhoneRecord | undefined;
  #planted: Canary[] = [];
  /** When the phone started using the capture (identifiers are looked for from then on). */
  #capturingSince = 0;

  constructor(private readonly options: PhoneRigOptions) {
    this.entry = options.entry;
    this.captureDir = options.folder.captureDir(options.entry.name);
    // A launched phone logs into the run folder, not into the run: it must not die with the run's pipes.
    const launchLog = path.join(options.folder.dir, 'phones', `${path.basename(this.captureDir)}.log`);
    this.session = new DeviceSession({ entry: options.entry, adb: options.adb, baseDir: options.baseDir, log: options.log, launchLog, ...(options.onLaunch ? { onLaunch: options.onLaunch } : {}) });
  }

  get name(): string {
    return this.entry.name;
  }

  get record(): PhoneRecord {
    if (!this.#record) throw new PhonehomeError(`phone ${this.name} used before it was rigged`);
    return this.#record;
  }

  get flowsRecorded(): number {
    return this.#sidecar?.flowsRecorded ?? 0;
  }

  get sidecar(): CaptureSidecar {
    if (!this.#sidecar) throw new PhonehomeError(`phone ${this.name}: capture not started`);
    return this.#sidecar;
  }

  async start(): Promise<void> {
    const { folder, journal, log } = this.options;
    await this.session.start();
    // The capture comes up before provisioning, so the phone never points at a proxy that is not there.
    this.#sidecar = new CaptureSidecar({ out: this.captureDir, host: '127.0.0.1', port: 0, upstream: 'sink' });
    this.#sidecar.on('error', (error) => log(`warning: ${this.name}: capture: ${error.message}`));
    await this.#sidecar.start();
    this.#capturingSince = Date.now();
    // devices.json `apps` are installed and checked against the profile's packages and versions.
    const resolveApp = (browser: string) => {
      const profile = BROWSER_PROFILES.find((p) => p.name === browser);
      return profile && { packages: this.options.packages[browser] ?? profile.packages, expectedVersions: profile.writtenFor };
    };
    await this.session.provision({ proxyPort: this.#sidecar.port, caCertPem: this.#sidecar.ca.certPem, resolveApp });
    this.#identifiers = await this.session.identifiers(Object.values(this.options.packages).flat());
    // The identifiers go into the capture folder too, so it can be judged on its own (`phonehome detect`).
    const markers = new MarkerWriter(this.captureDir);
    try {
      markers.write(deviceIdentifiersMarker(this.name, this.#identifiers));
    } finally {
      await markers.close();
    }
    const health = await this.session.health(Object.values(this.options.packages).flat());
    const apps: AppRecord[] = [];
    for (const [browser, candidates] of Object.entries(this.options.packages)) {
      const app = candidates.map((pkg) => health.apps.find((a) => a.package === pkg)).find((a) => a !== undefined);
      if (app) apps.push({ package: app.package, version: app.version, browser, ...(app.versionCode !== undefined ? { versionCode: app.versionCode } : {}) });
    }
    this.#record = {
      name: this.name,
      serial: this.entry.serial,
      ...(health.model ? { model: health.model } : {}),
      ...(health.manufacturer ? { manufacturer: health.manufacturer } : {}),
      ...(health.release ? { release: health.release } : {}),
      identifiers: { ...this.#identifiers },
      apps,
      captureDir: folder.relativeCaptureDir(this.name),
    };
    journal.write({ type: 'phone', phone: this.#record });
  }

  async stop(): Promise<string[]> {
    const problems: string[] = [];
    // While the phone is still here: where did its traffic go? (the report places each address)
    if (this.#sidecar && !this.session.lost) await this.recordHostAddresses().catch((error: Error) => this.options.log(`warning: ${this.name}: hosts not resolved on the phone: ${error.message}`));
    const undo = await this.session.stop().catch((error: Error) => ({ ok: false, problems: [error.message] }));
    problems.push(...undo.problems.map((p) => `${this.name}: ${p}`));
    await this.#sidecar?.stop().catch((error: Error) => problems.push(`${this.name}: capture did not stop cleanly: ${error.message}`));
    this.#sidecar = undefined;
    return problems;
  }

  /**
   * The capture answers as a sink, so no connection names a server: the phone's own resolver is
   * asked for each host its traffic went to, and the answers are kept as a note in the capture.
   */
  private async recordHostAddresses(): Promise<void> {
    const hosts = new Set<string>();
    for await (const flow of readFlows(this.captureDir)) if (!flow.upstreamIp) hosts.add(flow.host);
    if (hosts.size === 0) return;
    const addresses = await this.session.resolveHosts(hosts);
    const markers = new MarkerWriter(this.captureDir);
    try {
      markers.write(hostAddressesMarker(this.name, addresses));
    } finally {
      await markers.close();
    }
  }

  /** A value the scenario planted (a contact's number): journalled, and a canary from now on. */
  plant(canary: Canary): void {
    this.#planted.push(canary);
    this.options.journal.write({ type: 'canary', device: this.name, canary });
  }

  appVersion(browser: string): string | undefined {
    return this.#record?.apps.find((a) => a.browser === browser)?.version;
  }

  /** The installed package of a browser profile. */
  appPackage(browser: string): string | undefined {
    return this.#record?.apps.find((a) => a.browser === browser)?.package;
  }

  /** Waits until no new flow arrived for quietMs and `notBefore` has passed (or timeoutMs passed). */
  async waitForQuiet(quietMs: number, timeoutMs: number, notBefore = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = this.flowsRecorded;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(100, quietMs)));
      const now = this.flowsRecorded;
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs && Date.now() >= notBefore) return;
    }
  }

  /** Analyses everything captured so far. */
  async analyse(): Promise<PhoneAnalysis> {
    const at = Date.now();
    const analysis = await analysePhoneCapture(this.captureDir, this.#planted);
    // The last heartbeat may be up to HEARTBEAT_MS old: judge coverage up to then, not up to `at`.
    const coverage = captureCoverage(await readMarkers(this.captureDir), this.#capturingSince, at - 2 * HEARTBEAT_MS);
    return { ...analysis, at, coverage };
  }
}
