export { loadDevices, parseDevices, selectDevice, isConnectAddress, MAX_DEVICES_FILE_BYTES, AUTO_SERIAL, LAUNCH_PORT_PLACEHOLDER, type DevicesFile } from './loadDevices.js';
export { devicesSchema, LOCATOR_OVERRIDE_PATTERN } from './devicesSchema.js';
export { DEFAULT_DEVICES_FILE, resolveDevicesFile } from './devicesFile.js';
export type { DeviceEntry } from './deviceEntry.js';
