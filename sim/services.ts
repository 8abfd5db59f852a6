import type { Duplex } from 'node:stream';

/**
 * Seams inside the simulated phone. adbd/ (wire protocol) talks to the phone only through
 * DeviceServices; android/ implements it and talks to the apps only through AppRuntime, which
 * apps/ implements. Each layer can be tested alone.
 */

/** A running shell command, as adbd needs it for `shell:`, `shell,v2,…:` and `exec:`. */
export interface ShellProcess {
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Data the host sends (shell v2 stdin packets, or raw bytes for v1/exec). */
  stdin: NodeJS.WritableStream;
  /** Resolves with the exit code when the command ends. */
  exit: Promise<number>;
  /** The host closed the stream: stop (e.g. `logcat` following, `am instrument -w`). */
  kill(): void;
}

export interface FileStat {
  mode: number; // full st_mode (S_IFREG 0o100000 | perms, S_IFDIR 0o040000 ...)
  size: number;
  mtime: number; // seconds
  /** Owner and group (sync STA2/LIS2 report them); 0 (root) when absent. */
  uid?: number;
  gid?: number;
}

export interface DeviceServices {
  /** Banner props for CNXN: ro.product.name, ro.product.model, ro.product.device. */
  banner(): { product: string; model: string; device: string };
  requireAuth(): boolean;
  shell(command: string, options: { pty: boolean }): ShellProcess;
  fs: {
    stat(path: string): FileStat | null;
    list(path: string): Array<{ name: string } & FileStat> | null;
    read(path: string): Buffer; // throws Error with .code = 'ENOENT' | 'EACCES' | 'EISDIR'
    write(path: string, data: Buffer, mode: number, mtime: number): void; // throws like read
  };
  /** Connect to a port on the phone's loopback (forward target `tcp:PORT`, `localabstract:`). */
  connectLocal(port: number): Promise<Duplex>;
  /**
   * adbd registers reverse forwards here; the phone's network stack calls `open` when an app
   * connects to 127.0.0.1:devicePort, and adbd turns that into a device-initiated OPEN.
   */
  reverses: {
    add(devicePort: number, hostSpec: string, open: () => Promise<Duplex>): void;
    remove(devicePort: number): boolean;
    clear(): void;
    list(): Array<{ devicePort: number; hostSpec: string }>;
  };
  /** `root:` / `unroot:`; returns the text adbd answers. */
  setRoot(root: boolean): string;
  /** adbd restarted (after `root:` / `unroot:` answered "restarting"): the uid it runs with follows service.adb.root. */
  restartAdbd(): void;
  isRoot(): boolean;
  reboot(): void;
  /** Binary logcat entries for `logcat -B`, text for `-v threadtime`: android/ owns the buffer. */
}

/** What the Android model asks of the apps layer (browsers, UiAutomator2 server). */
/** Phone events from outside adb (sim/android/phoneEvents.ts), as the apps receive their broadcasts. */
export type PhoneEvent =
  | { kind: 'sms-received'; sms: { from: string } }
  | { kind: 'account-added'; account: { name: string; type: string } }
  | { kind: 'wifi-connected' };

export interface AppRuntime {
  /** The UI seam (see sim/ui.ts): what UiAutomator2 and screencap read and act on. */
  ui: import('./ui.js').UiDriver;
  /** Installed packages the apps layer provides (browsers, io.appium.uiautomator2.server[.test], io.appium.settings). */
  packages(): Array<{ name: string; version: string; versionCode: number; apkPath: string; uid: number }>;
  /** `am start[-activity] -n pkg/act` (and launcher intents). Returns Android's error text on failure. */
  startActivity(component: { package: string; activity?: string }, options: { stopFirst: boolean; data?: string }): Promise<{ ok: true; totalTimeMs: number } | { ok: false; error: string }>;
  forceStop(pkg: string): void;
  clearData(pkg: string): void;
  /** `am instrument -w …`: runs until the returned promise settles or kill() is called. */
  instrument(component: string, args: Record<string, string>): { output: NodeJS.ReadableStream; done: Promise<number>; kill(): void } | null;
  /** The focused window, for `dumpsys window` / `dumpsys activity`. */
  focus(): { package: string; activity: string } | null;
  pids(): Array<{ pid: number; package: string; user: string }>;
  input: {
    keyevent(code: number): Promise<void>;
    text(text: string): Promise<void>;
    tap(x: number, y: number): Promise<void>;
    swipe(x1: number, y1: number, x2: number, y2: number, ms: number): Promise<void>;
  };
  /** PNG of the current screen. */
  screencap(): Promise<Buffer>;
  /** A contact was inserted through `content insert` (fires contact-added telemetry). */
  contactAdded(contact: { name?: string; number: string }): void;
  /** An SMS arrived, an account was signed in, Wi-Fi was joined (android/phoneEvents.ts): the running apps' service telemetry reacts. */
  phoneEvent?(event: PhoneEvent): void;
  /** Screen on/off state changed (`input keyevent 26`). */
  screenOn(): boolean;
  /** `cmd statusbar …`: expand or collapse the status bar shade (absent: the phone has no shade to show). */
  statusBar?(command: 'expand-notifications' | 'expand-settings' | 'collapse'): void;
  /** Phone shutdown / reboot: stop the apps' timers (telemetry intervals, batches) and the instrumentation. */
  shutdown?(): Promise<void>;
}

/** What the apps layer may use of the phone (android/ implements it). */
export interface PhoneContext {
  readonly profile: import('./profile.js').Profile;
  /** `settings get <namespace> <key>`; undefined when unset. */
  setting(namespace: 'global' | 'secure' | 'system', key: string): string | undefined;
  /**
   * PEM certificates in a CA store as the phone's file system holds it now (tmpfs / bind mounts
   * applied), seen by the app process `pid`: in its mount namespace, under SELinux.
   */
  caCertificates(store: 'system' | 'user', pid?: number): string[];
  /** Connect to 127.0.0.1:port as seen from the phone: its own listeners, then adb reverses. */
  connectLocal(port: number): Promise<Duplex>;
  /** Listen on the phone's loopback (the UiAutomator2 server on 6790); returns a closer. */
  listenLocal(port: number, onConnection: (socket: Duplex) => void): () => void;
  /**
   * Whether the UiAutomator2 server (running with the shell's identity) may inject input. False on
   * MIUI without "USB debugging (Security settings)"; absent means allowed.
   */
  inputInjectionAllowed?(): boolean;
  /**
   * Whether `pkg` was installed from an APK (and not uninstalled): apps a profile marks
   * `preinstalled: false` exist only then. Absent means every profile app is preinstalled.
   */
  installedFromApk?(pkg: string): { versionName: string; versionCode: number; launcherActivity?: string } | null;
  /**
   * Settings.Secure.ANDROID_ID as app `pkg` reads it: on Android 8+ its own SSAID (per user and
   * signing key), before that the device's one value. Absent: the profile's `androidId`.
   */
  appAndroidId?(pkg: string): string;
  /** A file in shared storage (/sdcard/…) as an app with storage access reads it; null when it cannot. */
  readSharedFile?(path: string): Buffer | null;
  /**
   * Chromium's command line for `pkg` (CommandLineInitUtil.initCommandLine): the switches of the
   * file it would read, [] when it reads none or cannot read it.
   */
  chromiumCommandLine?(fileName: string, pkg: string): string[];
  /** Settings' credential storage: installs a CA certificate for the current user; returns its file name. */
  installUserCaCertificate?(pem: string): string;
  /**
   * WindowManager's freezeRotation: Settings.System `accelerometer_rotation` 0 and `user_rotation`
   * N, written by the system (no shell permission involved). Absent: the phone never rotates.
   */
  freezeRotation?(rotation: 0 | 1 | 2 | 3): void;
  /** Append to the logcat buffer. priority: 2 V, 3 D, 4 I, 5 W, 6 E. */
  log(priority: number, tag: string, message: string, pid?: number): void;
}

/** apps/ exports `createAppRuntime(ctx: PhoneContext): AppRuntime` (in sim/apps/index.ts). */
export type AppRuntimeFactory = (ctx: PhoneContext) => AppRuntime;
