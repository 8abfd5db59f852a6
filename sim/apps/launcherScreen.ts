/**
 * The MIUI launcher's package and activity (`com.miui.home/com.miui.home.launcher.Launcher`, as
 * public adb scripts name it). Its screens (home screens, icons, folders) are drawn by
 * sim/apps/systemUi.ts.
 */
export const launcherPackage = 'com.miui.home';
export const launcherActivity = 'com.miui.home.launcher.Launcher';
