/** The one-line fixes for what a phone's vendor refuses the adb shell, and how to tell the vendor. */

export function isXiaomi(props: Record<string, string>): boolean {
  return Boolean(props['ro.miui.ui.version.name'] || props['ro.mi.os.version.name']) || /xiaomi|redmi|poco/i.test(props['ro.product.manufacturer'] ?? '');
}

/** The one-line fix for a shell without WRITE_SECURE_SETTINGS / INJECT_EVENTS. */
export function securitySettingsFix(xiaomi: boolean): string {
  return xiaomi
    ? 'turn on Developer options › USB debugging (Security settings) (needs a Mi account), and Install via USB; then re-plug'
    : "turn on the vendor's developer option that lets adb change settings and inject input (on Xiaomi: USB debugging (Security settings)); then re-plug";
}

/** The one-line fix when MIUI refuses an install from the shell (INSTALL_FAILED_USER_RESTRICTED). */
export function installFix(xiaomi: boolean): string {
  return xiaomi
    ? 'turn on Developer options › Install via USB (and USB debugging (Security settings)), keep the phone unlocked and tap Install on its prompt; then run again'
    : 'allow installs over adb on the phone (confirm the prompt it shows), then run again';
}

