/**
 * The run model: everything one `phonehome run` produced, as run.json holds it and as the JUnit,
 * HAR and HTML writers read it. run.schema.json (beside this file) must match these types.
 */
import type { BlindSpot } from '../capture/index.js';
import type { BrowserMode, Finding, Verdict, Visit } from '../detect/index.js';
import type { IdentifierReading } from '../device/index.js';
import type { Destination, DestinationRecord } from './geo/index.js';
import type { StepRecord } from './steps.js';

export const RUN_SCHEMA_ID = 'phonehome/run@1';

/** passed: every test held; failed: an assertion failed; error: the harness failed; incomplete: the run never finished (killed). */
export type RunStatus = 'passed' | 'failed' | 'error' | 'incomplete';

export interface AppRecord {
  package: string;
  version: string;
  versionCode?: number;
  /** Browser profile name (harness/drive/browsers) when the app is one of the driven browsers. */
  browser?: string;
  label?: string;
  /**
   * The APK files provisioning installed (devices.json `apps`): file name and sha256 of each, so a
   * run says exactly which build it tested. Absent for apps that were already on the phone.
   */
  apks?: Array<{ file: string; sha256: string }>;
}

export interface PhoneRecord {
  /** Name from devices.json (`--device NAME`). */
  name: string;
  serial: string;
  model?: string;
  manufacturer?: string;
  /** Android release (ro.build.version.release). */
  release?: string;
  /** Identifiers read over ADB: these are the canaries the detector looked for. */
  identifiers: Record<string, IdentifierReading>;
  apps: AppRecord[];
  /** Capture folder of this phone, relative to the run folder. */
  captureDir: string;
}

export type TestState = 'passed' | 'failed' | 'pending';

export interface TestRecord {
  suite: string;
  title: string;
  /** Mocha's full title (suite › describe › it). */
  fullTitle: string;
  state: TestState;
  durationMs: number;
  /** Present when state is failed: the assertion's message (one line first) and stack. */
  error?: { message: string; stack?: string };
  /** Visits the test made, in order. */
  visitIds: string[];
  /** The phone that ran it, when the title does not say (farm runs title tests by pool). */
  device?: string;
  /**
   * Set when the phone was lost during this attempt: the attempt is unobservable (state stays
   * 'pending', never 'passed'); a retry on another phone, if any, is its own record.
   */
  lost?: string;
}

export interface SuiteRecord {
  name: string;
  /** Suite file relative to the working directory. */
  file: string;
  tests: TestRecord[];
}

/** A visit with the device's verdict on it. Visit fields are kept as the harness recorded them. */
export interface VisitRecord extends Visit {
  verdict: Verdict['verdict'];
  /** Hosts that received one of the visit's canaries (leaked). */
  hosts: string[];
  /** Why the visit is unobservable. */
  reasons: string[];
  /** Screenshot and logcat taken after the visit, relative to the run folder, when taken. */
  screenshot?: string;
  logcat?: string;
  /** The screen recorded during the visit (an animated PNG), relative to the run folder, when recorded. */
  recording?: string;
}

/** A finding with where it was made: visit findings carry visitId, identifier findings do not. */
export interface FindingRecord extends Finding {
  device: string;
  visitId?: string;
  /** When the flow started (ms since epoch). */
  time?: number;
  method?: string;
  /** The flow's URL without query (scheme://host[:port]/path). */
  endpoint?: string;
  /** Where the flow's host is: address, country and network owner (report/geo). */
  destination?: Destination;
}

export interface BlindSpotRecord extends BlindSpot {
  device: string;
}

export interface CaptureSummary {
  device: string;
  dir: string;
  flows: number;
  blindSpots: number;
  firstFlowAt?: number;
  lastFlowAt?: number;
  /**
   * Route probes the phone sent through its route to the capture (capture/routeProbe.ts): answered,
   * and failed or unanswered. Absent when the phone was not probed (a LAN proxyHost, an old run).
   */
  routeProbes?: { answered: number; failed: number };
}

export interface RunRecord {
  schema: typeof RUN_SCHEMA_ID;
  runId: string;
  startedAt: number;
  endedAt?: number;
  status: RunStatus;
  /** The command line the run was started with (argv after `phonehome`). */
  argv: string[];
  phones: PhoneRecord[];
  suites: SuiteRecord[];
  visits: VisitRecord[];
  findings: FindingRecord[];
  blindSpots: BlindSpotRecord[];
  captures: CaptureSummary[];
  /** Harness errors (setup, phone lost …), one line each. */
  errors: string[];
  /** Every host each phone contacted, with where it is (report/geo). */
  destinations?: DestinationRecord[];
  /** Named steps of the suites (Leith's scenarios): per step, the hosts contacted and what each received. */
  steps?: StepRecord[];
  /** The offline databases the places came from, and what was missing (one line each). */
  geo?: { databases: string[]; attribution: string; warnings: string[] };
}

export type { BrowserMode, Destination, DestinationRecord, StepRecord };

/**
 * What changed between two runs (`phonehome diff OLD NEW`, computed by harness/report/runDiff.ts);
 * the HTML report shows it when a run is given a baseline (`--baseline DIR`).
 * A leak is keyed by what leaked (a visit of a browser and mode, or an identifier kind), the host
 * and the encoding chain, never by the run's random tokens or the phone's name.
 */
export interface LeakKey {
  /** `visit mint incognito`, `search mint incognito`, or `identifier imei`. */
  subject: string;
  host: string;
  /** Decoding steps without field names: `body > form > base64 > gzip > json`. */
  encoding: string;
}

export interface RunDiff {
  old: { runId: string; dir: string; startedAt: number };
  new: { runId: string; dir: string; startedAt: number };
  /** Hosts the phones contacted in NEW and not in OLD (and the reverse). */
  newHosts: string[];
  goneHosts: string[];
  /** True when a run contacted more distinct hosts than the diff keeps. */
  hostsTruncated?: boolean;
  newLeaks: Array<LeakKey & { example: { device: string; flowId: string; visitId?: string; endpoint?: string } }>;
  /** In OLD, and NEW observed the same subject (a visit judged not-leaked, the identifier read) without it. */
  stoppedLeaks: LeakKey[];
  /** In OLD, absent from NEW, but NEW never observed the subject: not counted as stopped. */
  unconfirmedLeaks: Array<LeakKey & { why: string }>;
  appVersions: Array<{ app: string; package: string; old: string[]; new: string[] }>;
  newBlindSpots: Array<{ reason: string; host?: string; count: number }>;
}
