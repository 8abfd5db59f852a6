import { dumpsysWifi, wifiMacState } from '../wifiMac.js';
import { permissionSections } from '../appPermissions.js';
import { packageDump } from './packageCommands.js';
import { objectHash, type Ctx, type Handler } from './context.js';

function focusLines(ctx: Ctx): { currentFocus: string; focusedApp: string } {
  const focus = ctx.device.apps.focus();
  if (!focus) return { currentFocus: '  mCurrentFocus=null', focusedApp: '  mFocusedApp=null' };
  const component = `${focus.package}/${focus.activity}`;
  return {
    currentFocus: `  mCurrentFocus=Window{${objectHash(component + 'w')} u0 ${component}}`,
    focusedApp: `  mFocusedApp=AppWindowToken{${objectHash(component + 't')} token=Token{${objectHash(component + 'k')} ActivityRecord{${objectHash(component)} u0 ${component} t${(Number.parseInt(objectHash(component), 16) % 90) + 10}}}}`,
  };
}

function displayLines(ctx: Ctx): string {
  const { width, height, density } = ctx.device.apps.ui.display();
  const statusBar = Math.round((24 * density) / 160);
  return [
    'WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)',
    '  Display: mDisplayId=0',
    `    init=${width}x${height} ${density}dpi cur=${width}x${height} app=${width}x${height - statusBar} rng=${width}x${width - statusBar}-${height}x${height - statusBar}`,
    `    deferred=false mLayoutNeeded=false mTouchExcludeRegion=SkRegion((0,0,${width},${height}))`,
    '',
  ].join('\n');
}

async function window(ctx: Ctx, section: string | undefined): Promise<number> {
  const { currentFocus, focusedApp } = focusLines(ctx);
  const screenOn = ctx.device.apps.screenOn();
  if (section === 'displays') {
    await ctx.out(`${displayLines(ctx)}\n${currentFocus}\n${focusedApp.replace('mFocusedApp=AppWindowToken', 'mFocusedApp=AppWindowToken')}\n`);
    return 0;
  }
  if (section === 'windows') {
    await ctx.out(`WINDOW MANAGER WINDOWS (dumpsys window windows)\n${currentFocus}\n${focusedApp}\n`);
    return 0;
  }
  await ctx.out([
    'WINDOW MANAGER LAST ANR (dumpsys window lastanr)',
    '  <no ANR has occurred since boot>',
    '',
    'WINDOW MANAGER POLICY STATE (dumpsys window policy)',
    `    mSystemBooted=true mSystemReady=true`,
    `    mScreenOnEarly=${screenOn} mScreenOnFully=${screenOn}`,
    '    mKeyguardDrawComplete=true mWindowManagerDrawComplete=true',
    '    mShowingDream=false mDreamingLockscreen=false mDreamingSleepToken=null',
    '    isStatusBarKeyguard=false mShowingLockscreen=false',
    '',
    displayLines(ctx),
    'WINDOW MANAGER WINDOWS (dumpsys window windows)',
    currentFocus,
    focusedApp,
    '',
  ].join('\n'));
  return 0;
}

async function activity(ctx: Ctx, args: string[]): Promise<number> {
  const focus = ctx.device.apps.focus();
  const component = focus ? `${focus.package}/${focus.activity}` : null;
  const record = component ? `ActivityRecord{${objectHash(component)} u0 ${component} t${(Number.parseInt(objectHash(component), 16) % 90) + 10}}` : 'null';
  const section = args[0];
  if (section === 'services' || section === 's') {
    await ctx.out(ctx.device.appiumSettings.dump(args[1]));
    return 0;
  }
  if (section === 'processes' || section === 'p') {
    // appium-adb listAppProcessIds: /ProcessRecord\{[\w]+\s+(\d+):<pkg>\//; AOSP ProcessList dump: "*APP* UID n ProcessRecord{…}".
    const procs = [...ctx.device.apps.pids(), ...(ctx.device.appiumSettings.running ? [{ pid: ctx.device.appiumSettings.pid, package: 'io.appium.settings', user: `u0_a${ctx.device.appiumSettings.uid - 10000}` }] : [])];
    const filter = args[1];
    const shown = procs.filter((p) => !filter || p.package === filter);
    const record = (p: { pid: number; package: string; user: string }) => `ProcessRecord{${objectHash(p.package + p.pid)} ${p.pid}:${p.package}/${p.user.replace('_', '')}}`;
    const uid = (user: string) => (/^u0_a(\d+)$/.exec(user) ? 10000 + Number(/^u0_a(\d+)$/.exec(user)![1]) : 1000);
    const apps = shown.map((p) => `  *APP* UID ${uid(p.user)} ${record(p)}\n    user #0 uid=${uid(p.user)} gids={50${uid(p.user) % 1000}, 20${uid(p.user) % 1000}, 9997}\n    pid=${p.pid} starting=0`);
    const lru = shown.map((p, i) => `    #${i}: fg     T/A/TOP  LCM  t: 0 ${p.pid}:${p.package}/${p.user.replace('_', '')} (top-activity)`);
    await ctx.out(`ACTIVITY MANAGER RUNNING PROCESSES (dumpsys activity processes)\n  All known processes:\n${apps.join('\n')}\n\n  Process LRU list (sorted by oom_adj, ${lru.length} total, non-act at 0, non-svc at 0):\n${lru.join('\n')}\n`);
    return 0;
  }
  if (section === 'top') {
    await ctx.out(component ? `TASK ${focus!.package} id=1 userId=0\n  ACTIVITY ${component} ${objectHash(component)} pid=${ctx.device.apps.pids().find((p) => p.package === focus!.package)?.pid ?? 0}\n` : '');
    return 0;
  }
  await ctx.out(`ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\nDisplay #0 (activities from top to bottom):\n  Stack #1: type=standard mode=fullscreen\n    mResumedActivity: ${record}\n  mFocusedActivity: ${record}\n  ResumedActivity: ${record}\n`);
  return 0;
}

async function power(ctx: Ctx): Promise<number> {
  const on = ctx.device.apps.screenOn();
  await ctx.out([
    'POWER MANAGER (dumpsys power)',
    '',
    'Power Manager State:',
    '  mDirty=0x0',
    `  mWakefulness=${on ? 'Awake' : 'Asleep'}`,
    `  mWakefulnessChanging=false`,
    '  mIsPowered=true',
    '  mPlugType=2',
    '  mBatteryLevel=87',
    `  mDisplayReady=true`,
    `  mHoldingDisplaySuspendBlocker=${on}`,
    '  mStayOn=false',
    '',
    'Display Power: state=' + (on ? 'ON' : 'OFF'),
    '',
  ].join('\n'));
  return 0;
}

/**
 * `dumpsys package`'s "Activity Resolver Table": under "Non-Data Actions:" each action, then one
 * line per matching filter, `<hash> <pkg>/<.Cls> filter <hash>`, and the filter's Action/Category
 * lines (AOSP IntentResolver.dump / PackageManagerService dumpActivityResolvers,
 * android-10.0.0_r1). appium-adb parseLaunchableActivityNames reads the MAIN block on API < 24.
 * Only launcher filters (MAIN + LAUNCHER) are modelled: the apps' other filters are unverified.
 */
function resolverTable(ctx: Ctx, packages: string[]): string {
  const entries: string[] = [];
  for (const pkg of packages) {
    const app = ctx.device.profile.apps.find((a) => a.package === pkg && (a.kind ?? 'browser') === 'browser');
    const activity = app?.activity ?? ctx.device.packages.get(pkg)?.launcherActivity;
    if (!activity) continue;
    const short = activity.startsWith(`${pkg}.`) ? `${pkg}/${activity.slice(pkg.length)}` : `${pkg}/${activity}`;
    entries.push(`        ${objectHash(short)} ${short} filter ${objectHash(short + 'f')}\n          Action: "android.intent.action.MAIN"\n          Category: "android.intent.category.LAUNCHER"\n`);
  }
  if (entries.length === 0) return 'Activity Resolver Table:\n  Non-Data Actions:\n';
  return `Activity Resolver Table:\n  Non-Data Actions:\n      android.intent.action.MAIN:\n${entries.join('')}`;
}

/**
 * `dumpsys input`: InputManager state, then InputReader's per-device dump. The touch screen's
 * TouchInputMapper prints its surface (AOSP frameworks/native/services/inputflinger/InputReader.cpp
 * TouchInputMapper::dumpSurface, android-10.0.0_r1: SurfaceWidth/Height/Left/Top/Orientation), and
 * SurfaceOrientation is the display rotation 0–3, which appium-adb getScreenOrientation reads
 * (/SurfaceOrientation: \d/). The touch device's name is unverified.
 */
function inputDump(ctx: Ctx): string {
  const { width, height, rotation } = ctx.device.apps.ui.display();
  return [
    'INPUT MANAGER (dumpsys input)',
    '',
    'Input Manager State:',
    `  Interactive: ${ctx.device.apps.screenOn()}`,
    '  System UI Visibility: 0x8008',
    '  Pointer Speed: 0',
    '  Pointer Gestures Enabled: true',
    '  Show Touches: false',
    '',
    'Event Hub State:',
    '  BuiltInKeyboardId: -2',
    '',
    'Input Reader State:',
    '  Device 3: fts_ts',
    '    Generation: 7',
    '    IsExternal: false',
    '    Sources: 0x00001002',
    '    KeyboardType: 1',
    '    Touch Input Mapper (mode - direct):',
    '      Parameters:',
    '        GestureMode: multi-touch',
    '        DeviceType: touchScreen',
    '        AssociatedDisplay: hasAssociatedDisplay=true, isExternal=false, displayId=\'\'',
    '        OrientationAware: true',
    `      Viewport: displayId=0, orientation=${rotation}, logicalFrame=[0, 0, ${width}, ${height}], deviceSize=[${rotation % 2 ? height : width}, ${rotation % 2 ? width : height}]`,
    `      SurfaceWidth: ${width}px`,
    `      SurfaceHeight: ${height}px`,
    '      SurfaceLeft: 0',
    '      SurfaceTop: 0',
    `      SurfaceOrientation: ${rotation}`,
    '',
    'Input Dispatcher State:',
    '  DispatchEnabled: true',
    `  FocusedApplication: ${ctx.device.apps.focus()?.package ?? '<null>'}`,
    '',
  ].join('\n');
}

/** Packages the user added to the Doze whitelist (`dumpsys deviceidle whitelist +PKG`), per phone. */
const userIdleWhitelist = new WeakMap<object, Set<string>>();

/**
 * `dumpsys deviceidle [whitelist [+PKG|-PKG]…]` (Android 6+): DeviceIdleController's shell
 * handler (AOSP frameworks/base/services/core/java/com/android/server/DeviceIdleController.java,
 * android-10.0.0_r1): the list prints `system-excidle,PKG,UID`, `system,PKG,UID` and
 * `user,PKG,UID` lines; `+PKG` answers `Added: PKG` (or `Unknown package: PKG`), `-PKG`
 * `Removed: PKG`. appium-adb getDeviceIdleWhitelist / addToDeviceIdleWhitelist use these. Which
 * system packages a Xiaomi ROM whitelists is unverified (one is listed).
 */
async function deviceIdle(ctx: Ctx, args: string[]): Promise<number> {
  const users = userIdleWhitelist.get(ctx.device) ?? new Set<string>();
  userIdleWhitelist.set(ctx.device, users);
  const uidOf = (pkg: string) => ctx.device.packages.all().find((p) => p.name === pkg)?.uid;
  if (args[0] !== 'whitelist') {
    await ctx.out(`  mLightEnabled=true  mDeepEnabled=true\n  mForceIdle=false\n  mState=ACTIVE mLightState=ACTIVE\n`);
    return 0;
  }
  const changes = args.slice(1);
  if (changes.length === 0) {
    const lines = ['system-excidle,com.android.providers.downloads,10010', 'system,com.android.providers.downloads,10010'];
    for (const pkg of users) lines.push(`user,${pkg},${uidOf(pkg) ?? 0}`);
    await ctx.out(lines.join('\n') + '\n');
    return 0;
  }
  if (ctx.cred.uid !== 0 && ctx.cred.uid !== 2000) {
    await ctx.err('Permission Denial: can\'t change the device idle whitelist\n');
    return 255;
  }
  for (const change of changes) {
    const pkg = change.slice(1);
    if (change.startsWith('+')) {
      if (uidOf(pkg) === undefined) await ctx.out(`Unknown package: ${pkg}\n`);
      else {
        users.add(pkg);
        await ctx.out(`Added: ${pkg}\n`);
      }
    } else if (change.startsWith('-')) {
      users.delete(pkg);
      await ctx.out(`Removed: ${pkg}\n`);
    } else await ctx.out(`Package must be prefixed with +, -, or =: ${change}\n`);
  }
  return 0;
}

const SERVICES = ['account', 'activity', 'deviceidle', 'battery', 'input', 'input_method', 'iphonesubinfo', 'package', 'phone', 'power', 'settings', 'window', 'wifi', 'connectivity', 'display', 'meminfo', 'cpuinfo'];

export const dumpsys: Handler = async (ctx) => {
  const [service, ...rest] = ctx.args;
  switch (service) {
    case undefined:
    case '-l':
      await ctx.out(`Currently running services:\n${SERVICES.map((s) => `  ${s}\n`).join('')}`);
      return 0;
    case 'window':
      return window(ctx, rest[0]);
    case 'activity':
      return activity(ctx, rest);
    case 'power':
      return power(ctx);
    case 'package': {
      const name = rest.find((a) => !a.startsWith('-'));
      const all = ctx.device.packages.all();
      const records = name ? all.filter((p) => p.name === name) : all;
      await ctx.out(`${resolverTable(ctx, records.map((r) => r.name))}\nPackages:\n${records.map((r) => packageDump(r, ctx.device.users, permissionSections(ctx.device.profile, r.name, r.permissions))).join('\n')}\n`);
      return 0;
    }
    case 'input':
      await ctx.out(inputDump(ctx));
      return 0;
    case 'deviceidle':
      return deviceIdle(ctx, rest);
    case 'input_method': {
      const ime = ctx.device.settings.get('secure', 'default_input_method') ?? '';
      await ctx.out(`Input Method Manager:\n  mCurMethodId=${ime}\n  mInputShown=false\n  mShowRequested=false\n`);
      return 0;
    }
    case 'account':
      await ctx.out(ctx.device.accounts.dump());
      return 0;
    case 'battery':
      await ctx.out('Current Battery Service state:\n  AC powered: false\n  USB powered: true\n  Wireless powered: false\n  Max charging current: 500000\n  status: 2\n  health: 2\n  present: true\n  level: 87\n  scale: 100\n  voltage: 4211\n  temperature: 281\n  technology: Li-poly\n');
      return 0;
    case 'iphonesubinfo': {
      const d = ctx.device.profile.device;
      await ctx.out(`Phone Subscriber Info:\n  Phone Type = GSM\n  Device ID = ${d.imei}\n`);
      return 0;
    }
    case 'wifi':
      await ctx.out(dumpsysWifi(wifiMacState(ctx.device.profile)));
      return 0;
    case 'display': {
      const { width, height, density } = ctx.device.apps.ui.display();
      await ctx.out(`DISPLAY MANAGER (dumpsys display)\n  mDefaultViewport=DisplayViewport{valid=true, displayId=0, orientation=0, logicalFrame=Rect(0, 0 - ${width}, ${height}), physicalFrame=Rect(0, 0 - ${width}, ${height}), deviceWidth=${width}, deviceHeight=${height}}\n  mScreenState=${ctx.device.apps.screenOn() ? 'ON' : 'OFF'}\n  density ${density}\n`);
      return 0;
    }
    default:
      if (SERVICES.includes(service)) {
        await ctx.out(`${service.toUpperCase()} (dumpsys ${service})\n`);
        return 0;
      }
      await ctx.out(`Can't find service: ${service}\n`);
      return 0;
  }
};

export const dumpsysCommands: Record<string, Handler> = { dumpsys };
