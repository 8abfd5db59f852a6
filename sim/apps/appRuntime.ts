import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { NetworkStack, type NetLimits } from '../net/index.js';
import type { AppRuntime, PhoneContext, PhoneEvent } from '../services.js';
import type { UiDriver, UiNode } from '../ui.js';
import { SimApp } from './browserApp.js';
import { buildBrowserScreen } from './browserScreen.js';
import { buildEmptyActivityScreen, type PlainActivity } from './emptyActivityScreen.js';
import { CERT_INSTALLER, CERT_INSTALLER_ACTIVITY, CERT_INSTALLER_MAIN, CertInstallerDialog, type CertInstallerHost } from './certInstaller.js';
import { launcherActivity, launcherPackage } from './launcherScreen.js';
import { builtinPackages, profilePackage, type InstalledPackage } from './packageTable.js';
import { deferredInstrumentation, loadRenderScreen, loadStartInstrumentation, type InstrumentationHandle, type RenderScreen, type StartInstrumentation } from './peerLayers.js';
import { ACTION_SETTINGS, settingsPackage, SystemUi, type SystemUiEvent } from './systemUi.js';
import { Layout, nodeAt, type Screen } from './uiTree.js';

export const uiautomator2Instrumentation = 'io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner';
const uiautomator2ServerPackage = 'io.appium.uiautomator2.server';
const appiumSettingsPackage = 'io.appium.settings';

export interface AppRuntimeOptions {
  /** Bounds of the phone's network stack (tests shorten them). */
  netLimits?: Partial<NetLimits>;
  /** Defaults to sim/uiautomator's startUiAutomator2Instrumentation, loaded on first use. */
  startInstrumentation?: StartInstrumentation;
  /** Defaults to sim/screen's renderScreen, loaded on first use. */
  renderScreen?: RenderScreen;
}

/** Android key codes the apps act on. */
const Key = { HOME: 3, BACK: 4, POWER: 26, ENTER: 66, DEL: 67, MENU: 82, SLEEP: 223, WAKEUP: 224 } as const;

/**
 * The apps layer of the simulated phone (AppRuntime): the profile's apps and the launcher, their
 * processes and focus, the UI seam UiAutomator2 and screencap read, input, and the shared network
 * stack. Created once per boot by the Android model; `shutdown()` stops its timers.
 */
export class SimAppRuntime implements AppRuntime {
  readonly ui: UiDriver;
  readonly input: AppRuntime['input'];
  readonly net: NetworkStack;
  private readonly ctx: PhoneContext;
  private readonly options: AppRuntimeOptions;
  private readonly apps = new Map<string, SimApp>();
  /** The display in its natural (portrait) orientation; `layout` is it as currently rotated. */
  private readonly natural: Layout;
  private rotatedLayout: Layout | null = null;
  /** The app in front; null: the launcher. */
  private foreground: SimApp | null = null;
  /** Started APK-installed apps the profile gives no behaviour (emptyActivityScreen.ts), and the one in front. */
  private readonly plain = new Map<string, PlainActivity>();
  private plainFront: PlainActivity | null = null;
  /** The last screen drawn, by a hash of its tree and display (screencap). */
  private lastScreen: { key: string; png: Buffer } | null = null;
  private screenIsOn = true;
  private nextPid = 2817;
  private readonly launcherPid: number;
  private instrumentation: { pid: number; handle: InstrumentationHandle } | null = null;
  /** The certificate installer's dialog, on top of whatever was in front (null: not shown). */
  private certInstaller: CertInstallerDialog | null = null;
  private starter: Promise<StartInstrumentation> | null = null;
  /** The launcher's screens and folders, the status bar shade, Settings (sim/apps/systemUi.ts). */
  readonly systemUi: SystemUi;
  private bootTimer: NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(ctx: PhoneContext, options: AppRuntimeOptions = {}) {
    this.ctx = ctx;
    this.options = options;
    this.net = new NetworkStack(ctx, options.netLimits);
    const screen = ctx.profile.device.screen ?? { width: 1080, height: 2340, density: 440 };
    this.natural = new Layout(screen.width, screen.height, screen.density);
    const log = (priority: number, tag: string, message: string, pid?: number) => ctx.log(priority, tag, message, pid);
    for (const profile of ctx.profile.apps) {
      const commandLine = (file: string) => ctx.chromiumCommandLine?.(file, profile.package) ?? [];
      const androidId = ctx.appAndroidId ? () => ctx.appAndroidId!(profile.package) : undefined;
      this.apps.set(profile.package, new SimApp(profile, { net: this.net, device: ctx.profile.device, log, commandLine, ...(androidId ? { androidId } : {}) }));
    }
    this.launcherPid = this.allocPid();
    this.systemUi = new SystemUi(ctx.profile, (event) => this.systemUiEvent(event));
    // Boot: system services start on their own, after the caller has finished wiring the phone.
    this.bootTimer = setImmediate(() => {
      this.bootTimer = null;
      for (const app of this.apps.values()) {
        if (app.kind !== 'service' || this.stopped) continue;
        this.startProcess(app, 'service');
        app.launched();
      }
    });
    this.ui = {
      hierarchy: () => this.currentScreen().root,
      display: () => ({ width: this.layout.width, height: this.layout.height, density: this.layout.density, rotation: this.rotation() }),
      freezeRotation: async (rotation) => this.ctx.freezeRotation?.(rotation),
      click: (key) => this.click(key),
      setText: (key, text, { replace }) => this.setText(key, text, replace),
      clear: (key) => this.clear(key),
      pressKey: (code) => this.pressKey(code),
      tap: (x, y) => this.tap(x, y),
      // Pages are one screen of text: a swipe scrolls nothing there; the system layer takes the
      // swipes it knows (shade, home screens).
      swipe: async (x1, y1, x2, y2) => {
        this.systemUi.swipe(x1, y1, x2, y2, this.layout, this.onLauncher());
      },
      focus: () => this.focus(),
    };
    this.input = {
      keyevent: (code) => this.pressKey(code),
      text: async (text) => {
        const app = this.usableForeground();
        if (app && app.screen === 'browser' && app.editing !== null) await app.setAddressText(text, false);
      },
      tap: (x, y) => this.tap(x, y),
      swipe: (x1, y1, x2, y2, ms) => this.ui.swipe(x1, y1, x2, y2, ms),
    };
  }

  /**
   * The display rotation WindowManager applies: with auto-rotate off (`accelerometer_rotation` 0)
   * Settings.System `user_rotation`; with it on, the phone lies still in its natural orientation.
   * Source: AOSP DisplayRotation.rotationForOrientation (USER_ROTATION_LOCKED uses mUserRotation).
   */
  private rotation(): 0 | 1 | 2 | 3 {
    if (this.ctx.setting('system', 'accelerometer_rotation') !== '0') return 0;
    const r = Number(this.ctx.setting('system', 'user_rotation') ?? '0');
    return r === 1 || r === 2 || r === 3 ? r : 0;
  }

  /** The screen layout at the current rotation: width and height swap at 90° and 270°. */
  private get layout(): Layout {
    const sideways = this.rotation() % 2 === 1;
    const [w, h] = sideways ? [this.natural.height, this.natural.width] : [this.natural.width, this.natural.height];
    if (!this.rotatedLayout || this.rotatedLayout.width !== w || this.rotatedLayout.height !== h) this.rotatedLayout = new Layout(w, h, this.natural.density);
    return this.rotatedLayout;
  }

  /** The simulated app for a package (tests and the harness-independent sim tools use it). */
  app(pkg: string): SimApp | undefined {
    return this.apps.get(pkg);
  }

  packages(): InstalledPackage[] {
    return [...[...this.apps.values()].map((app, i) => [app, i] as const).filter(([app]) => this.present(app)).map(([app, i]) => profilePackage(app.profile, i)), ...builtinPackages];
  }

  /** A `preinstalled: false` app exists only once an APK with its package is installed (sim/services.ts installedFromApk). */
  private present(app: SimApp): boolean {
    return app.profile.preinstalled !== false || (this.ctx.installedFromApk?.(app.profile.package) ?? null) !== null;
  }

  async startActivity(component: { package: string; activity?: string }, options: { stopFirst: boolean; data?: string }): Promise<{ ok: true; totalTimeMs: number } | { ok: false; error: string }> {
    const pkg = component.package;
    const activity = component.activity?.startsWith('.') ? pkg + component.activity : component.activity;
    const notFound = { ok: false as const, error: `Error: Activity class {${pkg}/${activity ?? ''}} does not exist.` };
    const t0 = performance.now();
    const elapsed = (base: number) => base + Math.round(performance.now() - t0);
    if (pkg === launcherPackage) {
      if (activity && activity !== launcherActivity) return notFound;
      this.goHome();
      return { ok: true, totalTimeMs: elapsed(60) };
    }
    if (pkg === settingsPackage) {
      if (activity && activity !== this.systemUi.settingsActivity) return notFound;
      this.ctx.log(4, 'ActivityManager', `START u0 {act=${ACTION_SETTINGS} cmp=${pkg}/${this.systemUi.settingsActivity.slice(pkg.length)}} from uid 2000`);
      const hot = this.systemUi.settingsInFront;
      const previous = this.foreground;
      this.foreground = null;
      previous?.backgrounded();
      this.plainFront = null;
      this.systemUi.openSettings();
      return { ok: true, totalTimeMs: elapsed(hot ? 90 : 380) };
    }
    if (pkg === CERT_INSTALLER) {
      // Only the entry activity is exported (its manifest); the shell may not start the others.
      if (activity && activity !== CERT_INSTALLER_MAIN) {
        return { ok: false, error: `java.lang.SecurityException: Permission Denial: starting Intent { cmp=${pkg}/${activity} } from null (pid=${this.allocPid()}, uid=2000) not exported from uid 1000` };
      }
      this.certInstaller = CertInstallerDialog.start(this.certInstallerHost(), options.data);
      return { ok: true, totalTimeMs: elapsed(180) };
    }
    // Appium's settings helper shows nothing and finishes at once.
    if (pkg === appiumSettingsPackage) return activity && !activity.startsWith(appiumSettingsPackage) ? notFound : { ok: true, totalTimeMs: elapsed(140) };
    const app = this.apps.get(pkg);
    if (!app) return this.startPlainActivity(pkg, activity, options.stopFirst, elapsed) ?? notFound;
    if (!this.present(app) || app.kind !== 'browser' || (activity && activity !== app.profile.activity)) return notFound;
    this.ctx.log(4, 'ActivityManager', `START u0 {act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x10200000 cmp=${pkg}/${app.profile.activity}} from uid 2000`);
    if (options.stopFirst && app.running) this.kill(app);
    const cold = this.bringToFront(app);
    this.systemUi.closeSettings();
    this.systemUi.collapseShade();
    // An ACTION_VIEW intent with an http(s) URI (`am start -a android.intent.action.VIEW -d URL PKG`)
    // opens it in the browser's tab: its VIEW filter takes those schemes (Chromium's manifest).
    // The load runs on after the activity is shown, as `am start -W` returns at the first frame.
    if (options.data && /^https?:\/\//i.test(options.data)) {
      const url = options.data;
      app.navigate(url).catch((error: unknown) => this.ctx.log(6, 'chromium', `load of ${url} failed: ${(error as Error).message}`, app.pid ?? undefined));
    }
    return { ok: true, totalTimeMs: elapsed(cold ? 412 : 87) };
  }

  forceStop(pkg: string): void {
    if (pkg === settingsPackage) {
      this.systemUi.closeSettings();
      return;
    }
    if (pkg === CERT_INSTALLER) {
      this.certInstaller = null;
      return;
    }
    if (pkg === uiautomator2ServerPackage || pkg === `${uiautomator2ServerPackage}.test`) {
      this.stopInstrumentation();
      return;
    }
    const app = this.apps.get(pkg);
    if (app?.running) this.kill(app);
    this.stopPlain(pkg);
  }

  clearData(pkg: string): void {
    const app = this.apps.get(pkg);
    if (!app) return;
    if (app.running) this.kill(app);
    app.clearData();
    if (app.kind === 'service' && !this.stopped) {
      // A system service restarts at once after its data is cleared.
      this.startProcess(app, 'service');
    }
  }

  instrument(component: string, args: Record<string, string>): InstrumentationHandle | null {
    if (component !== uiautomator2Instrumentation) return null;
    this.stopInstrumentation();
    const pid = this.allocPid();
    const start = (fn: StartInstrumentation) => fn(this.ctx, this, args);
    let handle: InstrumentationHandle;
    if (this.options.startInstrumentation) handle = start(this.options.startInstrumentation);
    else {
      this.starter ??= loadStartInstrumentation();
      handle = deferredInstrumentation(this.starter, start);
    }
    const entry = { pid, handle };
    this.instrumentation = entry;
    this.ctx.log(4, 'ActivityManager', `Start proc ${pid}:${uiautomator2ServerPackage}/u0a201 for added application ${uiautomator2ServerPackage}`);
    const forget = () => {
      if (this.instrumentation === entry) this.instrumentation = null;
    };
    void handle.done.then(forget, forget);
    return {
      output: handle.output,
      done: handle.done,
      kill: () => {
        forget();
        handle.kill();
      },
    };
  }

  focus(): { package: string; activity: string } | null {
    if (this.certInstaller) return { package: CERT_INSTALLER, activity: CERT_INSTALLER_ACTIVITY };
    if (this.foreground) return { package: this.foreground.profile.package, activity: this.foreground.profile.activity };
    if (this.systemUi.settingsInFront) return { package: settingsPackage, activity: this.systemUi.settingsActivity };
    if (this.plainFront) return { package: this.plainFront.package, activity: this.plainFront.activity };
    return { package: launcherPackage, activity: launcherActivity };
  }

  pids(): Array<{ pid: number; package: string; user: string }> {
    const packages = this.packages();
    const user = (pkg: string) => `u0_a${(packages.find((p) => p.name === pkg)?.uid ?? 10000) - 10000}`;
    const list = [{ pid: this.launcherPid, package: launcherPackage, user: user(launcherPackage) }];
    for (const app of this.apps.values()) if (app.pid !== null) list.push({ pid: app.pid, package: app.profile.package, user: user(app.profile.package) });
    if (this.instrumentation) list.push({ pid: this.instrumentation.pid, package: uiautomator2ServerPackage, user: user(uiautomator2ServerPackage) });
    for (const p of this.plain.values()) list.push({ pid: p.pid, package: p.package, user: user(p.package) });
    return list;
  }

  /**
   * The screen as a PNG. Drawing is deterministic (same tree and display, same bytes: sim/screen), so
   * an unchanged screen is not drawn again: a screen recording asks once a second, mostly for the
   * same screen, and drawing is the costly part.
   */
  async screencap(): Promise<Buffer> {
    const render = this.options.renderScreen ?? (await loadRenderScreen());
    const tree = this.ui.hierarchy();
    const display = this.ui.display();
    const key = createHash('sha1').update(JSON.stringify([tree, display])).digest('hex');
    if (this.lastScreen?.key === key) return this.lastScreen.png;
    const png = await render(tree, display);
    this.lastScreen = { key, png };
    return png;
  }

  /**
   * `cmd statusbar expand-notifications | expand-settings | collapse` (AOSP StatusBarShellCommand):
   * both expansions show the sim's one shade.
   */
  statusBar(command: 'expand-notifications' | 'expand-settings' | 'collapse'): void {
    if (command === 'collapse') this.systemUi.collapseShade();
    else this.systemUi.expandShade();
  }

  contactAdded(contact: { name?: string; number: string }): void {
    for (const app of this.apps.values()) {
      if (app.running) app.telemetry.fire('contact-added', { contact });
    }
  }

  phoneEvent(event: PhoneEvent): void {
    const detail = event.kind === 'sms-received' ? { sms: event.sms } : event.kind === 'account-added' ? { account: event.account } : {};
    for (const app of this.apps.values()) {
      if (app.running) app.telemetry.fire(event.kind, detail);
    }
  }

  screenOn(): boolean {
    return this.screenIsOn;
  }

  /** Resolves when no app has a telemetry send in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.telemetry.whenIdle()));
  }

  /** Phone shutdown: stops timers and the instrumentation; queued telemetry is dropped. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.bootTimer) clearImmediate(this.bootTimer);
    this.stopInstrumentation();
    for (const app of this.apps.values()) app.telemetry.stop();
    await this.whenIdle();
  }

  // --- focus and processes ---

  private allocPid(): number {
    this.nextPid += 1 + (this.nextPid % 7);
    return this.nextPid;
  }

  private startProcess(app: SimApp, reason: 'activity' | 'service'): void {
    const pid = this.allocPid();
    app.processStarted(pid);
    const uid = this.packages().find((p) => p.name === app.profile.package)?.uid ?? 10000;
    this.ctx.log(4, 'ActivityManager', `Start proc ${pid}:${app.profile.package}/u0a${uid - 10000} for ${reason} ${app.profile.package}/${app.profile.activity}`);
  }

  /** Brings a browser to the front; returns whether its process had to start (cold start). */
  private bringToFront(app: SimApp): boolean {
    const cold = !app.running;
    if (cold) this.startProcess(app, 'activity');
    const previous = this.foreground;
    if (previous && previous !== app) previous.backgrounded();
    this.plainFront = null;
    this.foreground = app;
    app.launched();
    return cold;
  }

  /** What the system layer showed reaches MIUI's analytics: the profile's running service apps' `system-ui` rules. */
  private systemUiEvent(event: SystemUiEvent): void {
    this.ctx.log(4, 'MiuiSystemUi', `${event.event}: ${event.name}`);
    for (const app of this.apps.values()) {
      if (app.running && app.kind === 'service') app.telemetry.fire('system-ui', { ui: event });
    }
  }

  /** The launcher is what the user sees (no app, Settings, installer or shade in front). */
  private onLauncher(): boolean {
    return !this.foreground && !this.certInstaller && !this.systemUi.settingsInFront && !this.systemUi.shadeOpen && !this.plainFront;
  }

  /**
   * `am start` of an app installed from an APK that the profile gives no behaviour (an emulator
   * after `adb install` of a test APK): its manifest's launcher activity starts in its own process
   * and shows an empty window; any other activity does not exist. null: not such an app.
   */
  private startPlainActivity(pkg: string, activity: string | undefined, stopFirst: boolean, elapsed: (base: number) => number): { ok: true; totalTimeMs: number } | null {
    const apk = this.ctx.installedFromApk?.(pkg);
    const launcher = apk?.launcherActivity?.startsWith('.') ? pkg + apk.launcherActivity : apk?.launcherActivity;
    if (!launcher || (activity && activity !== launcher)) return null;
    if (stopFirst) this.stopPlain(pkg);
    this.ctx.log(4, 'ActivityManager', `START u0 {act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x10200000 cmp=${pkg}/${launcher}} from uid 2000`);
    let running = this.plain.get(pkg);
    const cold = !running;
    if (!running) {
      running = { package: pkg, activity: launcher, pid: this.allocPid() };
      this.plain.set(pkg, running);
      const uid = this.packages().find((p) => p.name === pkg)?.uid ?? 10000;
      this.ctx.log(4, 'ActivityManager', `Start proc ${running.pid}:${pkg}/u0a${uid - 10000} for activity ${pkg}/${launcher}`);
    }
    this.foreground?.backgrounded();
    this.foreground = null;
    this.systemUi.closeSettings();
    this.plainFront = running;
    return { ok: true, totalTimeMs: elapsed(cold ? 412 : 87) };
  }

  private stopPlain(pkg: string): void {
    const running = this.plain.get(pkg);
    if (!running) return;
    this.plain.delete(pkg);
    if (this.plainFront === running) this.plainFront = null;
    this.ctx.log(4, 'ActivityManager', `Force stopping ${pkg} user=0: from pid ${running.pid}`);
  }

  private goHome(): void {
    this.systemUi.home();
    this.plainFront = null;
    const previous = this.foreground;
    this.foreground = null;
    previous?.backgrounded();
  }

  private kill(app: SimApp): void {
    if (this.foreground === app) this.foreground = null;
    const uid = this.packages().find((p) => p.name === app.profile.package)?.uid ?? 10000;
    this.ctx.log(4, 'ActivityManager', `Force stopping ${app.profile.package} appid=${uid} user=0: from pid ${app.pid ?? 0}`);
    void app.processKilled();
  }

  private stopInstrumentation(): void {
    const running = this.instrumentation;
    if (!running) return;
    this.instrumentation = null;
    running.handle.kill();
  }

  /** The foreground browser when the user can act on it (no first-run dialog covering it). */
  private usableForeground(): SimApp | null {
    const app = this.foreground;
    return app && !app.currentDialog() && !this.certInstaller ? app : null;
  }

  // --- UI ---

  private certInstallerHost(): CertInstallerHost {
    const ctx = this.ctx;
    return {
      sdk: ctx.profile.device.sdk,
      read: (uri) => (uri.startsWith('file://') ? ctx.readSharedFile?.(decodeURIComponent(uri.slice('file://'.length))) ?? null : null),
      installCa: (pem) => {
        if (!ctx.installUserCaCertificate) throw new Error('this phone has no credential storage');
        return ctx.installUserCaCertificate(pem);
      },
      toast: (text) => ctx.log(4, 'Toast', text),
      finish: () => { this.certInstaller = null; },
    };
  }

  private currentScreen(): Screen {
    if (this.certInstaller) return this.certInstaller.screen(this.layout);
    if (this.systemUi.shadeOpen) return this.systemUi.shadeScreen(this.layout);
    const app = this.foreground;
    if (app) return buildBrowserScreen(app, this.layout);
    if (this.systemUi.settingsInFront) return this.systemUi.settingsScreen(this.layout);
    if (this.plainFront) return buildEmptyActivityScreen(this.plainFront, this.layout);
    const launchable = [...this.apps.values()].filter((a) => a.kind === 'browser' && this.present(a));
    return this.systemUi.launcherScreen(launchable, this.layout, async (pkg) => {
      const result = await this.startActivity({ package: pkg }, { stopFirst: false });
      if (!result.ok) throw new Error(result.error);
    });
  }

  private lookup(key: string): { screen: Screen; node: UiNode } {
    const screen = this.currentScreen();
    const node = findNode(screen.root, key);
    if (!node) throw new Error(`stale element: '${key}' is no longer on screen (the screen is now ${this.describeFocus()})`);
    return { screen, node };
  }

  private async click(key: string): Promise<void> {
    const { screen, node } = this.lookup(key);
    const action = screen.actions.get(key)?.click;
    if (!action) throw new Error(`element '${key}' (${node.className}) is not clickable`);
    await action();
  }

  private async setText(key: string, text: string, replace: boolean): Promise<void> {
    const { screen, node } = this.lookup(key);
    const action = screen.actions.get(key)?.setText;
    if (!action) throw new Error(`element '${key}' (${node.className}) is not editable`);
    await action(text, replace);
  }

  private async clear(key: string): Promise<void> {
    const { screen, node } = this.lookup(key);
    const action = screen.actions.get(key)?.clear;
    if (!action) throw new Error(`element '${key}' (${node.className}) is not editable`);
    await action();
  }

  private async tap(x: number, y: number): Promise<void> {
    const screen = this.currentScreen();
    const node = nodeAt(screen, x, y);
    const action = node ? screen.actions.get(node.key)?.click : undefined;
    if (action) await action();
  }

  private async pressKey(code: number): Promise<void> {
    switch (code) {
      case Key.HOME:
        this.certInstaller = null;
        this.goHome();
        return;
      case Key.POWER:
        this.setScreen(!this.screenIsOn);
        return;
      case Key.WAKEUP:
        this.setScreen(true);
        return;
      case Key.SLEEP:
        this.setScreen(false);
        return;
      case Key.BACK: {
        if (this.certInstaller) {
          this.certInstaller.cancel();
          return;
        }
        if (this.systemUi.back(this.foreground !== null)) return;
        const app = this.foreground;
        if (app && app.back() === 'exit') this.goHome();
        // An empty activity finishes on Back (its process stays, as after any finish).
        else if (!app && this.plainFront) this.goHome();
        return;
      }
    }
    const app = this.usableForeground();
    if (!app || app.screen !== 'browser') return;
    if (code === Key.ENTER && app.editing !== null) await app.submitAddress();
    else if (code === Key.DEL) app.deleteChar();
    else if (code === Key.MENU) app.openMenu();
  }

  private setScreen(on: boolean): void {
    if (on === this.screenIsOn) return;
    this.screenIsOn = on;
    // Screen off stops the foreground activity: its background rules fire and queues flush.
    if (!on) this.foreground?.backgrounded();
  }

  private describeFocus(): string {
    const app = this.foreground;
    if (!app && this.plainFront) return `${this.plainFront.package}'s empty activity`;
    if (!app) return 'the launcher';
    if (app.currentDialog()) return `${app.profile.label}'s '${app.currentDialog()!.title}' dialog`;
    return `${app.profile.label} ${app.screen === 'settings' ? 'settings' : app.menuOpen ? 'with its menu open' : 'browser'}`;
  }
}

function findNode(root: UiNode, key: string): UiNode | null {
  if (root.key === key) return root;
  for (const child of root.children) {
    const found = findNode(child, key);
    if (found) return found;
  }
  return null;
}
