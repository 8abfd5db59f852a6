import { AUTO_SERIAL, LAUNCH_PORT_PLACEHOLDER } from '../config/index.js';
import { freePort } from './adbServer.js';
import type { DeviceEntry } from '../config/index.js';

/**
 * A `"serial": "auto"` entry made concrete for this run: a port the OS says is free on 127.0.0.1,
 * as the serial (`127.0.0.1:PORT`) and wherever the launch args say `{port}`. Other entries are
 * returned as they are. (The port is free when picked; the launched phone binds it moments later.)
 */
export async function allocateLaunchPort(entry: DeviceEntry): Promise<DeviceEntry> {
  if (entry.serial !== AUTO_SERIAL || !entry.launch) return entry;
  const port = String(await freePort());
  return {
    ...entry,
    serial: `127.0.0.1:${port}`,
    launch: { ...entry.launch, args: (entry.launch.args ?? []).map((a) => a.split(LAUNCH_PORT_PLACEHOLDER).join(port)) },
  };
}
