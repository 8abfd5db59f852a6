export { AdbDaemon, ADBD_FEATURES, type AdbDaemonOptions, type AdbDaemonEvents } from './adbDaemon.js';
export { AdbdConnection, type ConnectionState } from './connection.js';
export type { ServiceEvent } from './serviceRouter.js';
export { parseAdbPublicKey, verifyAuthSignature } from './adbAuth.js';
export * as packet from './packet.js';
