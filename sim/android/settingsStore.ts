import type { Profile } from '../profile.js';

export type SettingsNamespace = 'global' | 'secure' | 'system';

export const SETTINGS_NAMESPACES: readonly SettingsNamespace[] = ['global', 'secure', 'system'];

/** settings provider tables (global, secure, system) with the values a stock phone starts with. */
export class SettingsStore {
  private readonly tables: Record<SettingsNamespace, Map<string, string>>;

  constructor(profile: Profile) {
    this.tables = {
      global: new Map(Object.entries({
        adb_enabled: '1', development_settings_enabled: '1', airplane_mode_on: '0', auto_time: '1',
        animator_duration_scale: '1.0', transition_animation_scale: '1.0', window_animation_scale: '1.0',
        device_name: profile.device.model, stay_on_while_plugged_in: '0', wifi_on: '1', mobile_data: '1',
        package_verifier_enable: '1', verifier_verify_adb_installs: '0', data_roaming: '0',
      })),
      secure: new Map(Object.entries({
        android_id: profile.device.androidId, bluetooth_address: '', default_input_method: 'com.android.inputmethod.latin/.LatinIME',
        enabled_input_methods: 'com.android.inputmethod.latin/.LatinIME', location_mode: '3', mock_location: '0',
        install_non_market_apps: '0', screensaver_enabled: '0',
      })),
      system: new Map(Object.entries({
        screen_brightness: '102', screen_off_timeout: '60000', accelerometer_rotation: '1', user_rotation: '0', font_scale: '1.0',
        time_12_24: '24', sound_effects_enabled: '1',
      })),
    };
  }

  get(namespace: SettingsNamespace, key: string): string | undefined {
    return this.tables[namespace].get(key);
  }

  put(namespace: SettingsNamespace, key: string, value: string): void {
    this.tables[namespace].set(key, value);
  }

  delete(namespace: SettingsNamespace, key: string): boolean {
    return this.tables[namespace].delete(key);
  }

  list(namespace: SettingsNamespace): Array<[string, string]> {
    return [...this.tables[namespace].entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
