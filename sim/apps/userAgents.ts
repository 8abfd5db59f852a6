import type { AppProfile, DeviceProfile } from '../profile.js';

function buildId(device: DeviceProfile): string {
  return device.extraProps?.['ro.build.id'] ?? 'QKQ1.200114.002';
}

/** The page-load User-Agent: the profile's, else one shaped like Xiaomi's Chromium-based browsers send. */
export function browserUserAgent(app: AppProfile, device: DeviceProfile): string {
  if (app.userAgent) return app.userAgent;
  return `Mozilla/5.0 (Linux; U; Android ${device.release}; en-us; ${device.model} Build/${buildId(device)}) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/71.0.3578.141 Mobile Safari/537.36 XiaoMi/${app.label.replace(/\s+/g, '')}/${app.version}`;
}

/** What an SDK's HttpURLConnection sends: Android's default Dalvik User-Agent. */
export function javaUserAgent(device: DeviceProfile): string {
  return `Dalvik/2.1.0 (Linux; U; Android ${device.release}; ${device.model} Build/${buildId(device)})`;
}
