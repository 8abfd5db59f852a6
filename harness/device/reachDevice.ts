import { isConnectAddress } from '../config/index.js';
import { PhonehomeError } from '../errors.js';
import type { AdbClient, AdbState } from './adbClient.js';
import type { AdbDevice } from './adbDevice.js';
import type { DeviceEntry } from '../config/index.js';

/**
 * For one-shot commands (devices, provision, inspect): reaches a phone that should already be up,
 * connecting a host:port entry when adb does not list it. Never launches anything: a phone with a
 * launch command is started by runs, and the error says how to start it by hand.
 */
export async function reachDevice(client: AdbClient, entry: DeviceEntry): Promise<{ device: AdbDevice; connectedByUs: boolean }> {
  const { state, connectedByUs } = await probeState(client, entry);
  if (state === 'device' || state === 'emulator') return { device: client.device(entry.serial, entry.adbTimeoutMs), connectedByUs };
  if (connectedByUs) await client.disconnect(entry.serial);
  throw new PhonehomeError(`device '${entry.name}' (${entry.serial}) is ${describeState(state, entry)}`);
}

/** The adb state of an entry, after `adb connect` for an absent host:port. */
export async function probeState(client: AdbClient, entry: DeviceEntry): Promise<{ state: AdbState; connectedByUs: boolean }> {
  let state = await client.state(entry.serial);
  let connectedByUs = false;
  if (state === 'absent' && isConnectAddress(entry.serial)) {
    try {
      await client.connect(entry.serial);
      connectedByUs = true;
      state = await client.state(entry.serial);
    } catch {
      // Not listening: reported as absent.
    }
  }
  return { state, connectedByUs };
}

export function describeState(state: AdbState, entry: DeviceEntry): string {
  switch (state) {
    case 'unauthorized': return 'unauthorized: accept the "Allow USB debugging" prompt on the phone';
    case 'offline': return 'offline: reconnect it (adb reconnect) or restart adbd';
    case 'absent':
      if (entry.launch) return `not running: runs start it, or start it by hand with: ${[entry.launch.command, ...(entry.launch.args ?? [])].join(' ')}`;
      return isConnectAddress(entry.serial) ? `not reachable at ${entry.serial} (adb connect failed)` : 'not connected (is it plugged in, with USB debugging on?)';
    default: return state;
  }
}
