/**
 * The exact texts Android prints when a shell command is refused a permission. Clients grep them
 * (appium-uiautomator2-driver's hidden-API step, scrcpy, the harness's preflight), so they are
 * Android's own, per version.
 */

export const WRITE_SECURE_SETTINGS_DENIAL = 'Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS';
export const INJECT_EVENTS_DENIAL = 'Injecting to another application requires INJECT_EVENTS permission';

/**
 * `settings put|delete` refused. Android ≤ 10 (ShellCommand.exec, e.g. android-10.0.0_r1) catches a
 * SecurityException as `Security exception: <msg>`, a blank line and the stack trace; Android 11+
 * (BasicShellCommandHandler.exec) prints `Exception occurred while executing '<verb>':` and the
 * trace. Both return -1, which `cmd` exits with: status 255. Traces: appium/appium#14786 (Android
 * 10), mosmetro-android#244 and songhanghang/auto_set_proxy#1 (Android 11, MIUI); Android 12+
 * refuses a delete with `Permission denial, must have one of: [android.permission.WRITE_SECURE_SETTINGS]`
 * (appium/appium#20324).
 */
export function settingsWriteDenial(sdk: number, verb: 'put' | 'delete', namespace: string): { stderr: string; code: number } {
  const message = sdk >= 31 && verb === 'delete' ? 'Permission denial, must have one of: [android.permission.WRITE_SECURE_SETTINGS]' : WRITE_SECURE_SETTINGS_DENIAL;
  const table = namespace.charAt(0).toUpperCase() + namespace.slice(1);
  const mutate = verb === 'put' ? `insert${table}Setting` : `delete${table}Setting`;
  const trace = [
    `java.lang.SecurityException: ${message}`,
    `\tat com.android.providers.settings.SettingsProvider.${sdk >= 31 && verb === 'delete' ? 'enforceHasAtLeastOnePermission' : 'enforceWritePermission'}(SettingsProvider.java:2340)`,
    `\tat com.android.providers.settings.SettingsProvider.mutate${table}Setting(SettingsProvider.java:1405)`,
    `\tat com.android.providers.settings.SettingsProvider.${mutate}(SettingsProvider.java:1388)`,
    '\tat com.android.providers.settings.SettingsProvider.call(SettingsProvider.java:603)',
    '\tat android.content.ContentProvider.call(ContentProvider.java:2162)',
    '\tat android.content.ContentProvider$Transport.call(ContentProvider.java:481)',
    `\tat com.android.providers.settings.SettingsService$MyShellCommand.${verb}ForUser(SettingsService.java:399)`,
    '\tat com.android.providers.settings.SettingsService$MyShellCommand.onCommand(SettingsService.java:281)',
    sdk >= 30 ? '\tat android.os.BasicShellCommandHandler.exec(BasicShellCommandHandler.java:98)' : '\tat android.os.ShellCommand.exec(ShellCommand.java:104)',
    '\tat com.android.providers.settings.SettingsService.onShellCommand(SettingsService.java:49)',
    '\tat android.os.Binder.shellCommand(Binder.java:881)',
    '\tat android.os.Binder.onTransact(Binder.java:765)',
    '',
  ].join('\n');
  const stderr = sdk >= 30 ? `Exception occurred while executing '${verb}':\n${trace}` : `Security exception: ${message}\n\n${trace}`;
  return { stderr, code: 255 };
}

/**
 * `input keyevent|tap|text|swipe` refused. On Android 10 `input` is an app_process command
 * (com.android.commands.input.Input); BaseCommand.run prints an uncaught exception's stack trace
 * on stderr and exits 1 — the trace as DeviceFarmer/STFService.apk#144 shows it (Xiaomi, Android
 * 10, `input keyevent KEYCODE_APP_SWITCH`). From Android 11 `input` is `cmd input`, whose handler
 * prints `Exception occurred while executing '<verb>':` and exits 255.
 */
export function inputInjectionDenial(sdk: number, verb: string): { stderr: string; code: number } {
  const inject = verb === 'keyevent' ? 'injectKeyEvent' : 'injectMotionEvent';
  const trace = [
    `java.lang.SecurityException: ${INJECT_EVENTS_DENIAL}`,
    '\tat android.os.Parcel.createException(Parcel.java:2075)',
    '\tat android.os.Parcel.readException(Parcel.java:2043)',
    '\tat android.os.Parcel.readException(Parcel.java:1991)',
    '\tat android.hardware.input.IInputManager$Stub$Proxy.injectInputEvent(IInputManager.java:925)',
    '\tat android.hardware.input.InputManager.injectInputEvent(InputManager.java:886)',
    `\tat com.android.commands.input.Input.${inject}(Input.java:386)`,
    '\tat com.android.commands.input.Input.onRun(Input.java:108)',
    '\tat com.android.internal.os.BaseCommand.run(BaseCommand.java:56)',
    '\tat com.android.commands.input.Input.main(Input.java:71)',
    '\tat com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)',
    '\tat com.android.internal.os.RuntimeInit.main(RuntimeInit.java:380)',
    '',
  ].join('\n');
  if (sdk >= 30) return { stderr: `Exception occurred while executing '${verb}':\n${trace}`, code: 255 };
  return { stderr: trace, code: 1 };
}

/** MIUI's refusal of a shell install without "Install via USB" (flutter/flutter#49053, rom1v/sndcpy#64, RikkaApps/Shizuku#252). */
export const INSTALL_USER_RESTRICTED = 'Failure [INSTALL_FAILED_USER_RESTRICTED: Install canceled by user]';
