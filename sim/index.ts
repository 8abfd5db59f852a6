/** The simulated phone: adbd + Android model + apps, assembled (see sim/phone.ts). */
export { SimulatedPhone, type SimulatedPhoneOptions, type SimulatedPhoneEvents } from './phone.js';
export { SimControlSocket, runControlCommand, sendControlCommand } from './controlSocket.js';
export { DeveloperOptions, type DeveloperOption } from './android/developerOptions.js';
export type { ShellEvent } from './android/index.js';
export type { ServiceEvent } from './adbd/index.js';
export type { Profile } from './profile.js';
export type { AppRuntime, AppRuntimeFactory, PhoneContext, DeviceServices } from './services.js';
