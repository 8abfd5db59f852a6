import type { DeviceProfile } from '../profile.js';

/**
 * `GET /appium/device/info`, as DeviceInfoModel names the fields. `androidId` is what the server's own
 * context reads (DeviceInfoHelper.getAndroidId: Settings.Secure.ANDROID_ID through the
 * io.appium.uiautomator2.server context, appium-uiautomator2-server
 * app/src/main/java/io/appium/uiautomator2/utils/DeviceInfoHelper.java): on Android 8+ that
 * package's own SSAID, not the device-wide value `settings get secure android_id` prints.
 */
export function deviceInfo(device: DeviceProfile, display: { width: number; height: number; density: number }, androidId: string = device.androidId): Record<string, unknown> {
  const tz = device.extraProps?.['persist.sys.timezone'] ?? 'Europe/London';
  const locale = device.extraProps?.['persist.sys.locale'] ?? 'en-GB';
  return {
    androidId,
    apiVersion: String(device.sdk),
    bluetooth: { state: 'OFF' },
    brand: device.brand,
    carrierName: device.operator ?? '',
    displayDensity: display.density,
    locale: locale.replace('-', '_'),
    manufacturer: device.manufacturer,
    model: device.model,
    networks: [
      {
        capabilities: { SSID: null, linkDownBandwidthKbps: 30000, linkUpBandwidthKbps: 12000, mTransportTypes: 'WIFI', mNetworkCapabilities: 'INTERNET,NOT_RESTRICTED,TRUSTED,VALIDATED', signalStrength: -50 },
        detailedState: 'CONNECTED',
        extraInfo: null,
        isAvailable: true,
        isConnected: true,
        isFailover: false,
        isRoaming: false,
        state: 'CONNECTED',
        subtype: 0,
        subtypeName: '',
        type: 1,
        typeName: 'WIFI',
      },
    ],
    platformVersion: device.release,
    realDisplaySize: `${display.width}x${display.height}`,
    timeZone: tz,
  };
}
