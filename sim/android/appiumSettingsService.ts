import { objectHash } from './commands/context.js';

export const APPIUM_SETTINGS = 'io.appium.settings';
const SERVICE = `${APPIUM_SETTINGS}/.ForegroundService`;

/**
 * Appium Settings' foreground service: its `.Settings` activity starts it and finishes, and
 * io.appium.settings' client (lib/client.ts isRunningInForeground) polls
 * `dumpsys activity services io.appium.settings` for `isForeground=true` — without it a plain
 * Appium session fails with "Appium Settings app is not running after 5000ms". A force-stop ends it.
 * The process gets a pid of its own while the service runs.
 */
export class AppiumSettingsService {
  private started: number | null = null;
  readonly pid = 4207;
  readonly uid = 10203;

  start(): void {
    this.started ??= Date.now();
  }

  stop(): void {
    this.started = null;
  }

  get running(): boolean {
    return this.started !== null;
  }

  /** The `dumpsys activity services [io.appium.settings]` block (AOSP ActiveServices dump format). */
  dump(filter: string | undefined): string {
    const head = 'ACTIVITY MANAGER SERVICES (dumpsys activity services)\n';
    if (!this.running || (filter && !APPIUM_SETTINGS.startsWith(filter.split('/')[0]!) && filter !== SERVICE)) return head + '  (nothing)\n';
    const age = Math.max(0, Math.round((Date.now() - this.started!) / 1000));
    return head + [
      '  User 0 active services:',
      `  * ServiceRecord{${objectHash(SERVICE)} u0 ${SERVICE}}`,
      `    intent={cmp=${SERVICE}}`,
      `    packageName=${APPIUM_SETTINGS}`,
      `    processName=${APPIUM_SETTINGS}`,
      `    app=ProcessRecord{${objectHash(APPIUM_SETTINGS + 'proc')} ${this.pid}:${APPIUM_SETTINGS}/u0a${this.uid - 10000}}`,
      `    isForeground=true foregroundId=1 foregroundNoti=Notification(channel=main_channel shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x62 color=0x00000000 vis=PRIVATE)`,
      `    createTime=-${age}s startingBgTimeout=--`,
      '    lastActivity=-' + age + 's restartTime=-' + age + 's createdFromFg=true',
      '    startRequested=true delayedStop=false stopIfKilled=false callStart=true lastStartId=1',
      '',
    ].join('\n');
  }
}
