import type { DeviceProfile } from '../profile.js';

/** `GET /appium/device/info`, as DeviceInfoModel names the fields. */
export function deviceInfo(device: DeviceProfile, display: { width: number; height: number; density: number }): Record<string, unknown> {
  const tz = device.extraProps?.['persist.sys.timezone'] ?? 'Europe/London';
  const locale = device.extraProps?.['persist.sys.locale'] ?? 'en-GB';
  return {
    androidId: device.androidId,
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
