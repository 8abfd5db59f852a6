import type { AdbDevice } from '../device/index.js';

/** How an app is brought up: its launcher activity as the phone resolves it, or monkey's launcher intent. */
export type AppLaunch = { package: string; activity: string } | { package: string; activity: undefined };

/**
 * The launcher activity of `pkg`, asked of the phone (no activity is hard-coded: Mint 3.4.0's is
 * com.miui.org.chromium.chrome.browser.ChromeTabbedActivity, not the BrowserActivity the Mi apps use,
 * see the real Sensors payload's `$screen_name`). `cmd package resolve-activity --brief` prints the
 * component last (AOSP PackageManagerShellCommand.runResolveActivity/printResolveInfo); undefined when
 * the phone finds none or the command is missing (then launch() falls back to `monkey`).
 */
export async function resolveLauncherActivity(adb: Pick<AdbDevice, 'shell'>, pkg: string): Promise<string | undefined> {
  const out = await adb.shell(`cmd package resolve-activity --brief -c android.intent.category.LAUNCHER -a android.intent.action.MAIN ${pkg}`).catch(() => '');
  return parseResolvedActivity(out, pkg);
}

/** The last line of `resolve-activity --brief`: `pkg/.Cls` or `pkg/full.Cls` → the full class name. */
export function parseResolvedActivity(output: string, pkg: string): string | undefined {
  const last = output.trim().split(/\r?\n/).pop()?.trim() ?? '';
  const match = /^([\w.]+)\/([\w.$]+)$/.exec(last);
  if (!match || match[1] !== pkg) return undefined;
  return match[2]!.startsWith('.') ? pkg + match[2] : match[2];
}

/**
 * The shell command that brings the app to the front: `am start --user N -W -n` with the resolved
 * activity (the user on screen: MIUI Second space is not user 0), else monkey's launcher intent
 * (monkey has no --user; it runs as the current user).
 */
export function launchCommand(launch: AppLaunch, user = 0): string {
  return launch.activity ? `am start --user ${user} -W -n ${launch.package}/${launch.activity}` : `monkey -p ${launch.package} -c android.intent.category.LAUNCHER 1`;
}
