export { AndroidDevice, SHELL_USER, type ShellEvent, type AndroidDeviceEvents } from './androidDevice.js';
export { VirtualFileSystem, FsError, ROOT, type Credentials } from './fileSystem.js';
export { SYSTEM_CA_DIR, USER_CA_DIR, APEX_CA_DIR } from './fileSystemLayout.js';
export { formatParcel, string16Reply } from './parcelDump.js';
export { iphonesubinfoField } from './commands/serviceCommand.js';
export { parseApk, type ApkInfo } from './apkManifest.js';
export { parse as parseShellLine } from './shell/parser.js';
