import { resolveActivity } from './resolveActivityCommand.js';
import { grantRefusal, grantRefusalOutput, permissionSections, type PermissionSections } from '../appPermissions.js';
import { ApkParseError, parseApk } from '../apkManifest.js';
import { INSTALL_USER_RESTRICTED } from '../securityRefusals.js';
import { normalizePath } from '../fileSystem.js';
import { readBytes } from '../shell/io.js';
import type { PackageRecord } from '../packageManager.js';
import { objectHash, type Ctx, type Handler } from './context.js';

const FEATURES = [
  'android.hardware.audio.output', 'android.hardware.bluetooth', 'android.hardware.camera', 'android.hardware.camera.autofocus',
  'android.hardware.faketouch', 'android.hardware.fingerprint', 'android.hardware.location', 'android.hardware.location.gps',
  'android.hardware.location.network', 'android.hardware.microphone', 'android.hardware.screen.portrait', 'android.hardware.sensor.accelerometer',
  'android.hardware.telephony', 'android.hardware.telephony.gsm', 'android.hardware.touchscreen', 'android.hardware.usb.host',
  'android.hardware.wifi', 'android.software.webview', 'android.software.home_screen', 'android.software.input_methods',
];

async function exception(ctx: Ctx, message: string): Promise<number> {
  await ctx.err(`Exception occurred while executing:\n${message}\n`);
  return 255;
}

/**
 * One package's block of `dumpsys package`. Permission sections as AOSP
 * PackageManagerService.dumpPackageLPr prints them (android-10.0.0_r1): `requested permissions:`
 * (names), `install permissions:` (`NAME: granted=true`), and inside each `User N:` block
 * `runtime permissions:` (`NAME: granted=BOOL`; flags omitted, i.e. none); appium-adb
 * `extractMatchingPermissions` (tools/adb-commands / helpers) reads them by indentation, for
 * getReqPermissions / getGrantedPermissions / getDeniedPermissions. See appPermissions.ts.
 */
export function packageDump(p: PackageRecord, users: number[] = [0], sections?: PermissionSections): string {
  const date = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const perms = sections ?? { requested: null, install: [...p.permissions].map((name) => ({ name, granted: true })), runtime: [] };
  const requested = perms.requested && perms.requested.length > 0 ? `    requested permissions:\n${perms.requested.map((r) => `      ${r}\n`).join('')}` : '';
  const install = perms.install.length > 0 ? `    install permissions:\n${perms.install.map((r) => `      ${r.name}: granted=${r.granted}\n`).join('')}` : '';
  const runtime = perms.runtime.length > 0 ? `      runtime permissions:\n${perms.runtime.map((r) => `        ${r.name}: granted=${r.granted}\n`).join('')}` : '';
  return [
    `  Package [${p.name}] (${objectHash(p.name)}):\n`,
    `    userId=${p.uid}\n`,
    `    pkg=Package{${objectHash(p.name + 'pkg')} ${p.name}}\n`,
    `    codePath=${p.apkPath.replace(/\/base\.apk$|\/[^/]+\.apk$/, '')}\n`,
    `    resourcePath=${p.apkPath.replace(/\/base\.apk$|\/[^/]+\.apk$/, '')}\n`,
    `    primaryCpuAbi=arm64-v8a\n`,
    `    versionCode=${p.versionCode} minSdk=${p.minSdk} targetSdk=${p.targetSdk}\n`,
    `    versionName=${p.version}\n`,
    `    flags=[ ${p.system ? 'SYSTEM ' : ''}HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]\n`,
    `    timeStamp=${date(p.firstInstallTime)}\n`,
    `    firstInstallTime=${date(p.firstInstallTime)}\n`,
    `    lastUpdateTime=${date(p.firstInstallTime)}\n`,
    `    installerPackageName=${p.system ? 'null' : 'com.android.vending'}\n`,
    requested,
    install,
    ...users.map((u) => `    User ${u}: ceDataInode=0 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false\n${runtime}`),
  ].join('');
}

async function install(ctx: Ctx, args: string[], fromStdin: boolean): Promise<number> {
  let replace = false;
  let size: number | null = null;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-r') replace = true;
    else if (a === '-S') size = Number(args[++i]);
    else if (['-i', '--user', '--install-location', '--originating-uri', '--referrer', '--abi', '-p'].includes(a)) i++;
    else if (a.startsWith('-')) continue; // -g -t -d -f --dont-kill …: accepted, no effect here
    else operands.push(a);
  }
  // Android 7+ replaces by default; -r is kept for old clients.
  replace = true;
  let apk: Buffer;
  if (size !== null || (fromStdin && operands.length === 0)) {
    if (size === null || !Number.isInteger(size) || size < 0 || size > 1024 * 1024 * 1024) {
      await ctx.err('Error: APK size must be given with -S <bytes> when streaming from stdin\n');
      return 1;
    }
    apk = await readBytes(ctx.stdin, size);
    if (apk.length !== size) {
      await ctx.out(`Failure [INSTALL_FAILED_INVALID_APK: Failed to read ${size} bytes from stdin (got ${apk.length})]\n`);
      return 1;
    }
  } else {
    const path = operands[0];
    if (!path) {
      await ctx.err('Error: must specify an APK file to install\n');
      return 1;
    }
    try {
      apk = ctx.device.readFile(normalizePath(path, ctx.env.cwd), ctx.cred);
    } catch {
      await ctx.err(`Error: Unable to open file: ${path}\nConsider using a file under /data/local/tmp/\n`);
      return exception(ctx, `java.lang.IllegalArgumentException: Error: Can't open file: ${path}`);
    }
  }
  if (ctx.device.developerOptions.refusesInstalls(ctx.cred.uid)) {
    // MIUI without "Install via USB": the session is refused after the APK was sent.
    ctx.device.log(5, 'PackageInstaller', 'install from shell refused: Install via USB is off');
    await ctx.out(INSTALL_USER_RESTRICTED + '\n');
    return 1;
  }
  let info;
  try {
    info = parseApk(apk);
  } catch (error) {
    const why = error instanceof ApkParseError ? error.message : String(error);
    await ctx.out(`Failure [INSTALL_PARSE_FAILED_NOT_APK: Failed to parse APK: ${why}]\n`);
    return 1;
  }
  const result = ctx.device.packages.install(info, { replace });
  if (!result.ok) {
    await ctx.out(`Failure [${result.code}]\n`);
    return 1;
  }
  ctx.device.log(4, 'PackageManager', `Package ${info.package} codePath changed from null to /data/app/${info.package}-1; Retaining data and using new`);
  await ctx.out('Success\n');
  return 0;
}

async function listPackages(ctx: Ctx, args: string[]): Promise<number> {
  const flags = new Set<string>();
  let filter = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--user' || a === '--uid') i++;
    else if (a.startsWith('--')) flags.add(a);
    else if (a.startsWith('-')) for (const c of a.slice(1)) flags.add('-' + c);
    else filter = a;
  }
  let packages = ctx.device.packages.all();
  if (flags.has('-s')) packages = packages.filter((p) => p.system);
  if (flags.has('-3')) packages = packages.filter((p) => !p.system);
  if (filter) packages = packages.filter((p) => p.name.includes(filter));
  const lines = packages.map((p) => {
    let line = 'package:' + (flags.has('-f') ? `${p.apkPath}=` : '') + p.name;
    if (flags.has('--show-versioncode')) line += ` versionCode:${p.versionCode}`;
    if (flags.has('-i')) line += `  installer=${p.system ? 'null' : 'com.android.vending'}`;
    if (flags.has('-U')) line += ` uid:${p.uid}`;
    return line + '\n';
  });
  await ctx.out(lines.join(''));
  return 0;
}

export async function runPackageManager(ctx: Ctx, args: string[], fromStdin: boolean): Promise<number> {
  const [verb, ...rest] = args;
  const packages = ctx.device.packages;
  switch (verb) {
    case 'list': {
      const what = rest.shift();
      if (what === 'packages') return listPackages(ctx, rest);
      if (what === 'features') {
        await ctx.out(FEATURES.map((f) => `feature:${f}\n`).join('') + 'reqGlEsVersion=0x30002\n');
        return 0;
      }
      if (what === 'instrumentation') {
        const tests = packages.all().filter((p) => p.name.endsWith('.test'));
        await ctx.out(tests.map((p) => `instrumentation:${p.name}/androidx.test.runner.AndroidJUnitRunner (target=${p.name.replace(/\.test$/, '')})\n`).join(''));
        return 0;
      }
      if (what === 'users') {
        await ctx.out('Users:\n\tUserInfo{0:Owner:c13} running\n');
        return 0;
      }
      if (what === 'permissions') {
        await ctx.out('All Permissions:\n\npermission:android.permission.INTERNET\npermission:android.permission.READ_PHONE_STATE\npermission:android.permission.ACCESS_FINE_LOCATION\n');
        return 0;
      }
      await ctx.err(`Error: unknown list type '${what ?? ''}'\n`);
      return 1;
    }
    case 'path': {
      const name = rest.filter((a) => !a.startsWith('-')).pop() ?? '';
      const record = packages.get(name);
      if (!record) return 1;
      await ctx.out(`package:${record.apkPath}\n`);
      return 0;
    }
    case 'clear': {
      // PackageManagerShellCommand.runClear: user 0 (USER_SYSTEM) unless --user says otherwise.
      const at = rest.indexOf('--user');
      const userArg = at >= 0 ? rest[at + 1] : '0';
      const user = userArg === 'current' || userArg === 'cur' ? ctx.device.currentUser : Number(userArg);
      const name = rest.filter((a, i) => !a.startsWith('-') && !(at >= 0 && i === at + 1)).pop() ?? '';
      if (!packages.get(name) || !ctx.device.users.includes(user)) {
        await ctx.out('Failed\n');
        return 1;
      }
      // The apps the phone runs are the current user's; another user's copy has its own data.
      if (user === ctx.device.currentUser) ctx.device.apps.clearData(name);
      await ctx.out('Success\n');
      return 0;
    }
    case 'install':
      return install(ctx, rest, fromStdin);
    case 'uninstall': {
      const name = rest.filter((a) => !a.startsWith('-')).pop() ?? '';
      const result = packages.uninstall(name);
      if (result === 'ok') {
        ctx.device.apps.forceStop(name);
        ctx.device.ssaid.removePackage(name);
      }
      await ctx.out(result === 'ok' ? 'Success\n' : 'Failure [DELETE_FAILED_INTERNAL_ERROR]\n');
      return result === 'ok' ? 0 : 1;
    }
    case 'grant':
    case 'revoke': {
      const operands = rest.filter((a) => !a.startsWith('--user') && !/^\d+$/.test(a));
      const [name, permission] = operands;
      if (!name || !permission) {
        await ctx.err(`Error: no package or permission specified\n`);
        return 1;
      }
      if (!packages.get(name)) return exception(ctx, `java.lang.IllegalArgumentException: Unknown package: ${name}`);
      const refusal = grantRefusal(ctx.device.profile, name, permission);
      if (refusal) {
        const out = grantRefusalOutput(ctx.device.profile.device.sdk, verb, refusal);
        await ctx.err(out.stderr);
        return out.code;
      }
      const set = packages.permissionsOf(name);
      if (verb === 'grant') set.add(permission);
      else set.delete(permission);
      return 0;
    }
    case 'dump': {
      const record = packages.get(rest[0] ?? '');
      if (!record) {
        await ctx.out(`Unable to find package: ${rest[0] ?? ''}\n`);
        return 0;
      }
      await ctx.out(`Packages:\n${packageDump(record, ctx.device.users, permissionSections(ctx.device.profile, record.name, record.permissions))}`);
      return 0;
    }
    case 'enable':
    case 'disable':
    case 'disable-user': {
      const name = rest.filter((a) => !a.startsWith('-')).pop() ?? '';
      if (!packages.get(name)) return exception(ctx, `java.lang.IllegalArgumentException: Unknown package: ${name}`);
      await ctx.out(`Package ${name} new state: ${verb === 'enable' ? 'enabled' : 'disabled'}\n`);
      return 0;
    }
    case 'resolve-activity':
      return resolveActivity(ctx, rest);
    case 'get-max-users':
      await ctx.out('Maximum supported users: 4\n');
      return 0;
    default:
      await ctx.err(`usage: pm path [--user USER_ID] PACKAGE\n       pm list packages [-f] [-d] [-e] [-s] [-3] [-i] [-U] [--show-versioncode] [--user USER_ID] [FILTER]\n       pm install [-r] [-g] [-S BYTES] PATH\n       pm uninstall [-k] [--user USER_ID] PACKAGE\n       pm clear [--user USER_ID] PACKAGE\n       pm grant|revoke [--user USER_ID] PACKAGE PERMISSION\n\nUnknown command: ${verb ?? ''}\n`);
      return 1;
  }
}

const pm: Handler = (ctx) => runPackageManager(ctx, ctx.args, false);

export const packageCommands: Record<string, Handler> = { pm };
