export * from './types.js';
// devices.json's entry type lives in config/; re-exported so device callers keep one import.
export type { DeviceEntry } from '../config/deviceEntry.js';
export { AdbServer, freePort, runAdb, DEFAULT_ADB_BIN, type AdbServerOptions } from './adbServer.js';
export { AdbClient, type AdbClientOptions, type AdbState } from './adbClient.js';
export { AdbDevice, DeviceLostError, DEFAULT_ADB_TIMEOUT_MS } from './adbDevice.js';
export { DeviceSession, type DeviceSessionOptions, type DeviceSessionEvents } from './deviceSession.js';
export { readHealth, readAppVersions, type DeviceHealth, type AppVersion } from './health.js';
export { readIdentifiers, identifierCanaries } from './identifiers.js';
export { parseParcelString, parcelWords, type ParcelString } from './parcel.js';
export { subinfoCodes, subinfoCommand, type SubinfoCodes } from './subinfoCodes.js';
export { detectRoot, type RootAccess, type RootMethod } from './rootAccess.js';
export { LogcatRecorder } from './logcatRecorder.js';
export { provisionPhone, undoProvisioningOnPhone, Provisioning, type ProvisionOptions, type UndoResult } from './provision/provisioner.js';
export { undoOnSignals } from './provision/undoOnSignals.js';
export { androidSystemCertificate, subjectHashOld } from './provision/androidCertName.js';
export { RECORD_PATH as PROVISION_RECORD_PATH, type ProvisionRecord } from './provision/provisionRecord.js';
export { reachDevice } from './reachDevice.js';
export { withTimeout, delay } from './withTimeout.js';
