import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { Profile } from '../profile.js';
import type { AppRuntime, AppRuntimeFactory, DeviceServices, FileStat, PhoneContext, ShellProcess } from '../services.js';
import { ContactsProvider } from './contactsProvider.js';
import { AccountList, SmsInbox } from './phoneEvents.js';
import { DeveloperOptions } from './developerOptions.js';
import { FsError, INIT_NS, ROOT, S_IFDIR, S_IFREG, VirtualFileSystem, normalizePath, type Credentials } from './fileSystem.js';
import { ProcessNamespaces } from './processNamespaces.js';
import { AppiumSettingsService } from './appiumSettingsService.js';
import { procNetTcp, procNetTcp6, procNetUnix, type TcpListener } from './procNet.js';
import { APP_READABLE_SYSTEM_CA_LABELS, APP_READABLE_USER_CA_LABELS } from './selinuxLabels.js';
import { idFromName } from './commands/context.js';
import { APEX_CA_DIR, BOOT_MOUNTS, SYSTEM_CA_DIR, layoutFileSystem, userCaDir } from './fileSystemLayout.js';
import { idleAppRuntime } from './idleAppRuntime.js';
import { installUserCaCertificate } from './userCertificates.js';
import { LogcatBuffer } from './logcatBuffer.js';
import { LoopbackNetwork } from './loopbackNetwork.js';
import { PackageManager } from './packageManager.js';
import { PropertyStore, profileProperties } from './properties.js';
import { SettingsStore } from './settingsStore.js';
import { SsaidSettings } from './ssaidSettings.js';
import { wifiMacState } from './wifiMac.js';
import { commandNames, parse } from './shell/parser.js';
import { Interpreter, newEnv, type CommandHandler } from './shell/interpreter.js';
import { StreamSink, streamInput } from './shell/io.js';
import { shellCommands } from './commands/index.js';

export const SHELL_USER: Credentials = { uid: 2000, gids: [2000, 1004, 1007, 1011, 1015, 1028, 1078, 1079, 3001, 3002, 3003, 3006, 3009, 3011, 9997] };

export interface ShellEvent {
  command: string;
  /** Every command name in the line is one this shell implements. */
  known: boolean;
  unknown: string[];
  root: boolean;
}

export interface AndroidDeviceEvents {
  shell: [event: ShellEvent];
  /** `reboot` / `reboot:`: adbd drops its connections, volatile state is gone. */
  reboot: [];
  log: [priority: number, tag: string, message: string];
}

/** Which su a rootable phone has: AOSP's on userdebug/eng images, Magisk's on user builds, unless the profile says. */
export function suFlavour(profile: Profile): 'aosp' | 'magisk' | false {
  if (!profile.device.rootable) return false;
  return profile.device.su ?? (profile.device.buildType === 'user' ? 'magisk' : 'aosp');
}

/** Bytes a shell's stdin may hold unread before the host's input is dropped. */
const STDIN_LIMIT = 64 * 1024 * 1024;

/**
 * The Android model: properties, settings, file system, packages, contacts, logcat, loopback
 * network and root state. It is what adbd talks to (DeviceServices) and what apps see of the
 * phone (PhoneContext); app-shaped work goes to the AppRuntime.
 */
export class AndroidDevice extends EventEmitter<AndroidDeviceEvents> implements DeviceServices, PhoneContext {
  readonly profile: Profile;
  readonly props: PropertyStore;
  readonly settings: SettingsStore;
  readonly files = new VirtualFileSystem();
  readonly logcat = new LogcatBuffer();
  readonly packages: PackageManager;
  readonly contacts: ContactsProvider;
  /** Received SMS (content://sms/inbox); delivered by the control socket's `sms send`, as an emulator's console does. */
  readonly sms: SmsInbox;
  /** Accounts signed in on the phone (`dumpsys account`). */
  readonly accounts: AccountList;
  /** MIUI's "USB debugging (Security settings)" and "Install via USB" (what the user set in Developer options). */
  readonly developerOptions: DeveloperOptions;
  readonly network = new LoopbackNetwork();
  readonly commands: Map<string, CommandHandler<AndroidDevice>>;
  readonly bootTime = Date.now();
  private rooted = false;
  private runtime: AppRuntime;
  /** Appium Settings' foreground service (started by its activity, ended by force-stop). */
  readonly appiumSettings = new AppiumSettingsService();
  /** Mount namespaces of zygotes, apps and su sessions (processNamespaces.ts). */
  readonly namespaces: ProcessNamespaces;
  /** Per-app ANDROID_IDs (Android 8+), persisted in /data/system/users/N/settings_ssaid.xml. */
  readonly ssaid: SsaidSettings;

  constructor(profile: Profile) {
    super();
    this.profile = profile;
    this.props = new PropertyStore(profileProperties(profile));
    // `su` exists where the phone is rooted (userdebug su, or Magisk on a retail build); `adb root`
    // additionally needs a non-production build (see setRoot).
    this.commands = shellCommands({ su: suFlavour(profile) });
    this.settings = new SettingsStore(profile);
    this.packages = new PackageManager(profile);
    this.developerOptions = new DeveloperOptions(profile);
    this.contacts = new ContactsProvider((contact) => this.apps.contactAdded(contact));
    this.sms = new SmsInbox((sms) => this.apps.phoneEvent?.({ kind: 'sms-received', sms: { from: sms.from } }));
    this.accounts = new AccountList((account) => this.apps.phoneEvent?.({ kind: 'account-added', account }));
    const buildProp = this.props.entries().filter(([k]) => k.startsWith('ro.')).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    layoutFileSystem(this.files, profile, buildProp);
    this.ssaid = new SsaidSettings(this.files, profile);
    for (const user of this.users) this.ssaid.seed(user, []);
    this.runtime = idleAppRuntime(this);
    this.namespaces = new ProcessNamespaces(this.files, () => this.runtime.pids());
    this.namespaces.boot();
    this.packages.attach(this.runtime);
    this.log(4, 'init', `starting service 'adbd'...`, 1);
  }

  /** Wires the apps layer (browsers, UiAutomator2 server) in. */
  attachApps(factory: AppRuntimeFactory): AppRuntime {
    this.runtime = factory(this);
    this.packages.attach(this.runtime);
    // The profile's preinstalled apps have asked for ANDROID_ID before (a phone in use; ssaidSettings.ts).
    const preinstalled = new Set(this.profile.apps.filter((a) => a.preinstalled !== false).map((a) => a.package));
    const apps = this.runtime.packages().filter((p) => preinstalled.has(p.name)).map((p) => ({ pkg: p.name, appId: p.uid }));
    for (const user of this.users) this.ssaid.seed(user, apps);
    return this.runtime;
  }

  get apps(): AppRuntime {
    return this.runtime;
  }

  credentials(): Credentials {
    return this.rooted ? ROOT : SHELL_USER;
  }

  // --- DeviceServices (adbd side) ---

  banner(): { product: string; model: string; device: string } {
    const d = this.profile.device;
    return { product: d.product, model: d.model, device: d.device };
  }

  requireAuth(): boolean {
    return this.profile.device.requireAuth === true;
  }

  shell(command: string, _options: { pty: boolean }): ShellProcess {
    return this.spawn(command, this.credentials());
  }

  /** Runs a command line as `cred`, with the phone's shell. */
  spawn(command: string, cred: Credentials): ShellProcess {
    this.emit('shell', this.classify(command));
    this.namespaces.sync();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const input = new PassThrough();
    const stdin = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        // A command that never reads stdin must not make the host's input pile up without bound.
        if (input.readableLength < STDIN_LIMIT) input.write(chunk);
        callback();
      },
      final(callback) {
        input.end();
        callback();
      },
    });
    const abort = new AbortController();
    const interpreter = new Interpreter<AndroidDevice>({
      device: this,
      commands: this.commands,
      cred,
      signal: abort.signal,
      env: newEnv({
        PATH: '/sbin:/system/sbin:/product/bin:/apex/com.android.runtime/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin',
        HOME: '/', SHELL: '/system/bin/sh', HOSTNAME: this.profile.device.device, USER: cred.uid === 0 ? 'root' : 'shell',
        LOGNAME: cred.uid === 0 ? 'root' : 'shell', TMPDIR: '/data/local/tmp', EXTERNAL_STORAGE: '/sdcard', ANDROID_DATA: '/data', ANDROID_ROOT: '/system',
      }),
      files: {
        read: (path, c) => this.readFile(path, c),
        write: (path, data, c, append) => this.writeFile(path, data, c, { append }),
        list: (path, c) => this.files.list(path, c).map((e) => e.name),
      },
    });
    const exit = interpreter
      .runLine(command, { stdout: new StreamSink(stdout), stderr: new StreamSink(stderr), stdin: streamInput(input, abort.signal) })
      .catch(async (error: Error) => {
        stderr.write(`/system/bin/sh: ${error.message}\n`);
        return 1;
      })
      .finally(() => {
        stdout.end();
        stderr.end();
        input.destroy();
      });
    return { stdout, stderr, stdin, exit, kill: () => abort.abort() };
  }

  private classify(command: string): ShellEvent {
    let names: string[];
    try {
      names = commandNames(parse(command));
    } catch {
      return { command, known: false, unknown: ['(syntax error)'], root: this.rooted };
    }
    const unknown = names
      .map((n) => n.replace(/^\/(system\/)?(x?bin)\//, ''))
      .filter((n) => !Interpreter.isBuiltin(n) && !this.commands.has(n));
    return { command, known: unknown.length === 0, unknown, root: this.rooted };
  }

  readonly fs: DeviceServices['fs'] = {
    stat: (path) => {
      const stat = this.files.stat(path, this.credentials());
      return stat ? (stat as FileStat) : null;
    },
    list: (path) => {
      try {
        return this.files.list(path, this.credentials()).map(({ name, node }) => ({
          name, mode: (node.kind === 'dir' ? S_IFDIR : S_IFREG) | node.mode, size: node.kind === 'dir' ? 4096 : node.data.length,
          mtime: node.mtime, uid: node.uid, gid: node.gid,
        }));
      } catch {
        return null;
      }
    },
    read: (path) => this.readFile(path, this.credentials()),
    write: (path, data, mode, mtime) => {
      const cred = this.credentials();
      // adbd's secure_mkdirs(): the push target's directories are created first.
      const parent = normalizePath(path).replace(/\/[^/]+$/, '') || '/';
      if (!this.files.exists(parent, cred)) this.files.mkdir(parent, cred, { parents: true, mode: 0o771 });
      this.writeFile(path, data, cred, { mode: mode & 0o7777, mtime });
    },
  };

  /** File reads with the few dynamic files Android has (/proc/mounts …). */
  readFile(path: string, cred: Credentials): Buffer {
    const normalized = normalizePath(path);
    const dynamic = this.dynamicFile(normalized, cred);
    if (dynamic !== null) return Buffer.from(dynamic);
    return this.files.readFile(normalized, cred);
  }

  writeFile(path: string, data: Buffer, cred: Credentials, options: { append?: boolean; mode?: number; mtime?: number } = {}): void {
    const normalized = normalizePath(path);
    if (normalized === '/dev/null') return;
    if (normalized.startsWith('/proc/')) throw new FsError('EACCES', normalized);
    this.files.writeFile(normalized, data, cred, options);
  }

  private dynamicFile(path: string, cred: Credentials): string | null {
    const ns = /^\/proc\/(\d+)\/ns\/mnt$/.exec(path);
    if (ns) {
      // The link's target is the namespace's inode; opening another uid's needs root (ptrace access).
      const id = this.namespaces.of(Number(ns[1]));
      if (id === null) throw new FsError('ENOENT', path);
      if (cred.uid !== 0) throw new FsError('EACCES', path);
      return `mnt:[${4026531840 + (this.files.namespaceIds().indexOf(id) >>> 0)}]\n`;
    }
    const pidMounts = /^\/proc\/(\d+)\/mounts$/.exec(path);
    if (pidMounts) {
      const id = this.namespaces.of(Number(pidMounts[1]));
      if (id === null) throw new FsError('ENOENT', path);
      return this.mountTable(id);
    }
    switch (path) {
      case '/proc/net/tcp':
        return procNetTcp(this.tcpListeners().filter((l) => l.any));
      case '/proc/net/tcp6':
        return procNetTcp6(this.tcpListeners().filter((l) => !l.any));
      case '/proc/net/unix':
        return procNetUnix();
      case '/proc/mounts':
      case '/proc/self/mounts':
        return this.mountTable(cred.mountNs ?? INIT_NS);
      case '/sys/class/net/wlan0/address':
        // The MAC wlan0 carries (lower case, colons): Android 10+ the network's randomised one (wifiMac.ts).
        return wifiMacState(this.profile).current + '\n';
      case '/sys/class/net/wlan0/addr_assign_type':
        return `${wifiMacState(this.profile).addrAssignType}\n`;
      case '/proc/version':
        return `Linux version 4.14.117-perf+ (builder@c4-miui-ota-bd) (clang version 8.0.12) #1 SMP PREEMPT ${new Date(this.bootTime).toUTCString()}\n`;
      case '/proc/uptime': {
        const up = (Date.now() - this.bootTime) / 1000 + 3600;
        return `${up.toFixed(2)} ${(up * 7.3).toFixed(2)}\n`;
      }
      default:
        return null;
    }
  }

  /** adbd on 5555 (service.adb.tcp.port) and the phone's loopback listeners (the UiAutomator2 server, owned by its instrumentation's uid). */
  private tcpListeners(): TcpListener[] {
    const adbPort = Number(this.props.get('service.adb.tcp.port') ?? '5555') || 5555;
    const server = this.runtime.pids().find((p) => p.package === 'io.appium.uiautomator2.server');
    const serverUid = (server && idFromName(server.user)) ?? 10201;
    return [
      { port: adbPort, uid: 0, inode: 15001, any: true },
      ...this.network.listeningPorts().map((port, i) => ({ port, uid: serverUid, inode: 31000 + i })),
    ];
  }

  mountTable(ns: string = INIT_NS): string {
    return this.files.mountTable(ns).map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0\n`).join('');
  }

  connectLocal(port: number): Promise<Duplex> {
    return this.network.connect(port);
  }

  get reverses(): DeviceServices['reverses'] {
    return this.network.reverses;
  }

  /**
   * `root:` / `unroot:` as AOSP adbd's restart_root_service / restart_unroot_service do
   * (packages/modules/adb daemon/restart_service.cpp, android-10.0.0_r1): the "already" answers
   * test the running adbd's uid; otherwise the property service.adb.root is set and the answer
   * sent. The uid changes only when adbd restarts (`restartAdbd`), so until then shells still run
   * with the old one.
   */
  setRoot(root: boolean): string {
    if (root) {
      if (this.rooted) return 'adbd is already running as root\n';
      // adbd on a `user` build refuses root even on a Magisk-rooted phone (ro.debuggable=0).
      if (this.profile.device.buildType === 'user' || !this.profile.device.rootable) return 'adbd cannot run as root in production builds\n';
      this.props.setSystem('service.adb.root', '1');
      this.log(4, 'adbd', 'adbd restarting as root');
      return 'restarting adbd as root\n';
    }
    if (!this.rooted) return 'adbd not running as root\n';
    this.props.setSystem('service.adb.root', '0');
    return 'restarting adbd as non root\n';
  }

  /** adbd restarted by init: it drops privileges unless service.adb.root=1 (daemon/main.cpp should_drop_privileges). */
  restartAdbd(): void {
    this.rooted = this.props.get('service.adb.root') === '1';
  }

  isRoot(): boolean {
    return this.rooted;
  }

  /** A reboot: root, user mounts, reverses, running apps and the log buffer are gone; files and settings stay. */
  reboot(): void {
    this.resetVolatileState();
    this.emit('reboot');
  }

  resetVolatileState(): void {
    this.rooted = false;
    this.props.setSystem('service.adb.root', '0');
    this.files.resetVolatileMounts(BOOT_MOUNTS);
    this.namespaces.boot();
    this.network.reverses.clear();
    for (const { package: pkg } of this.runtime.pids()) this.runtime.forceStop(pkg);
    this.appiumSettings.stop();
    this.logcat.clear();
    this.log(4, 'init', `starting service 'adbd'...`, 1);
  }

  // --- PhoneContext (apps side) ---

  /** The Android user on screen (`am get-current-user`); its apps are the ones the runtime models. */
  get currentUser(): number {
    return this.profile.device.currentUser ?? 0;
  }

  /** Android users on this phone: the owner and, with Second space, its user. */
  get users(): number[] {
    return [...new Set([0, this.currentUser])];
  }

  /** Settings.Secure.ANDROID_ID as app `pkg` of the user on screen reads it: its own SSAID on Android 8+. */
  appAndroidId(pkg: string): string {
    return this.ssaid.androidIdFor(this.currentUser, pkg, this.packages.get(pkg)?.uid ?? 10100);
  }

  installedFromApk(pkg: string): { versionName: string; versionCode: number; launcherActivity?: string } | null {
    const record = this.packages.installedFromApk(pkg);
    return record ? { versionName: record.version, versionCode: record.versionCode, launcherActivity: record.launcherActivity } : null;
  }

  inputInjectionAllowed(): boolean {
    // The UiAutomator2 server injects through the shell's UiAutomation connection (uid 2000).
    return !this.developerOptions.refusesInputInjection(SHELL_USER.uid);
  }

  setting(namespace: 'global' | 'secure' | 'system', key: string): string | undefined {
    return this.settings.get(namespace, key);
  }

  /**
   * AOSP DisplayRotation.freezeRotation → setUserRotation(USER_ROTATION_LOCKED, r) stores
   * Settings.System.ACCELEROMETER_ROTATION = 0 and USER_ROTATION = r (android-10.0.0_r1,
   * frameworks/base/services/core/java/com/android/server/wm/DisplayRotation.java).
   */
  freezeRotation(rotation: 0 | 1 | 2 | 3): void {
    this.settings.put('system', 'accelerometer_rotation', '0');
    this.settings.put('system', 'user_rotation', String(rotation));
  }

  /**
   * The CA store as one app process reads it: in that process's mount namespace, with its uid,
   * and only what SELinux lets untrusted_app read (selinuxLabels.ts). Without a pid (a client
   * that does not say which process it is) it reads as an app in init's namespace would.
   */
  caCertificates(store: 'system' | 'user', pid?: number): string[] {
    // Apps run as the user on screen: theirs is that user's CA folder (MIUI Second space: user 10).
    const dir = store === 'user' ? userCaDir(this.currentUser) : this.profile.device.sdk >= 34 ? APEX_CA_DIR : SYSTEM_CA_DIR;
    const app = pid === undefined ? undefined : this.runtime.pids().find((p) => p.pid === pid);
    const uid = (app && idFromName(app.user)) ?? 10100;
    const cred: Credentials = { uid, gids: [uid, 3003, 9997], mountNs: (pid !== undefined && this.namespaces.of(pid)) || INIT_NS };
    const readable = store === 'user' ? APP_READABLE_USER_CA_LABELS : APP_READABLE_SYSTEM_CA_LABELS;
    const tag = 'System.err';
    const dirLabel = this.files.labelOf(dir, cred);
    if (dirLabel === null) return [];
    if (!readable.has(dirLabel)) {
      // avc: denied { search } … tcontext=<label>: the app cannot open its trust store at all.
      this.log(6, tag, `java.io.FileNotFoundException: ${dir}: open failed: EACCES (Permission denied) [avc: denied { read } for scontext=u:r:untrusted_app:s0 tcontext=${dirLabel} tclass=dir]`, pid);
      return [];
    }
    let names: string[];
    try {
      names = this.files.list(dir, cred).filter((e) => e.node.kind === 'file').map((e) => e.name);
    } catch {
      return [];
    }
    const pems: string[] = [];
    for (const name of names) {
      const path = `${dir}/${name}`;
      const label = this.files.labelOf(path, cred) ?? '';
      let text: string;
      try {
        if (!readable.has(label)) throw new FsError('EACCES', path);
        text = this.files.readFile(path, cred).toString('utf8');
      } catch {
        this.log(6, tag, `java.io.FileNotFoundException: ${path}: open failed: EACCES (Permission denied)${label && !readable.has(label) ? ` [avc: denied { read } tcontext=${label} tclass=file]` : ''}`, pid);
        continue;
      }
      for (const match of text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) pems.push(match[0] + '\n');
    }
    return pems;
  }

  readSharedFile(path: string): Buffer | null {
    const normalized = normalizePath(path);
    if (!/^\/(sdcard|storage\/emulated\/\d+)\//.test(normalized)) return null;
    try {
      return this.readFile(normalized, ROOT);
    } catch {
      return null;
    }
  }

  /**
   * Chromium's CommandLineInitUtil.initCommandLine, as a Chromium-based app runs it at start: the
   * file in /data/local/tmp is used only when it exists and the app is the debug app (Settings
   * global debug_app, with adb_enabled 1) or the build is eng/userdebug (BuildInfo.isDebugAndroid);
   * otherwise /data/local/<file>, which only root can write. The app reads it with its own uid,
   * under SELinux: HTTP Toolkit labels the files shell_data_file for that (adb-commands.ts
   * setChromeFlags); a file left system_data_file (what /data/local gets) is unreadable to apps.
   * The first word is the program name (CommandLine.initFromFile); the switches follow.
   */
  chromiumCommandLine(fileName: string, pkg: string): string[] {
    const uid = this.packages.get(pkg)?.uid ?? 10100;
    const cred: Credentials = { uid, gids: [uid, 3003, 9997], mountNs: INIT_NS };
    const debugFile = `/data/local/tmp/${fileName}`;
    const debugApp = this.settings.get('global', 'adb_enabled') === '1' ? this.settings.get('global', 'debug_app') : undefined;
    const debuggable = this.profile.device.buildType === 'eng' || this.profile.device.buildType === 'userdebug';
    const file = this.files.exists(debugFile, ROOT) && (debugApp === pkg || debuggable) ? debugFile : `/data/local/${fileName}`;
    if (!this.files.exists(file, ROOT)) return [];
    const label = this.files.labelOf(file, ROOT);
    let text: string;
    try {
      if (label !== 'u:object_r:shell_data_file:s0') throw new FsError('EACCES', file);
      text = this.files.readFile(file, cred).toString('utf8');
    } catch {
      this.log(5, 'CommandLine', `Unable to read ${file}: EACCES (Permission denied)`);
      return [];
    }
    return text.trim().split(/\s+/).slice(1);
  }

  installUserCaCertificate(pem: string): string {
    const name = installUserCaCertificate(this.files, this.currentUser, pem);
    this.log(4, 'CertInstaller', `credential is added: ${name} (user ${this.currentUser})`);
    return name;
  }

  listenLocal(port: number, onConnection: (socket: Duplex) => void): () => void {
    return this.network.listen(port, onConnection);
  }

  log(priority: number, tag: string, message: string, pid = 1000): void {
    this.logcat.append(priority, tag, message, pid, pid < 10000 ? pid : 10000 + (pid % 1000));
    this.emit('log', priority, tag, message);
  }

  /** Stops listeners and running apps (the phone is switched off). */
  shutdown(): void {
    for (const { package: pkg } of this.runtime.pids()) this.runtime.forceStop(pkg);
    // The apps keep telemetry timers (intervals, batches); a switched-off phone must not send.
    void this.runtime.shutdown?.();
    this.network.closeAll();
  }
}
