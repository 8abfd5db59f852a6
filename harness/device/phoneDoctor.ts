import type { AdbClient } from './adbClient.js';
import { findAppiumApks, installAppiumApks, MIUI_INSTALL_PROMPTS } from './appiumApks.js';
import { isXiaomi } from './phoneFixes.js';
import { runPreflight } from './preflight.js';
import { reachDevice } from './reachDevice.js';
import type { DeviceEntry } from '../config/index.js';

/**
 * `phonehome doctor --phone NAME`: the one-time setup of a phone — installs the UiAutomator2
 * server, its test runner and Appium Settings from node_modules (`adb install -r -g`), explaining
 * MIUI's prompts first, then prints the preflight. Returns the exit code: 0 ready, 2 not.
 */
export async function doctorPhone(entry: DeviceEntry, client: AdbClient, io: { out: (line: string) => void; err: (line: string) => void }): Promise<number> {
  const { device, connectedByUs } = await reachDevice(client, entry);
  try {
    const props = await device.getProperties();
    const apks = findAppiumApks();
    if (isXiaomi(props)) {
      io.out(`${entry.name}: a Xiaomi phone — watch its screen while the Appium APKs install:`);
      for (const line of MIUI_INSTALL_PROMPTS) io.out(`  - ${line}`);
    }
    const results = await installAppiumApks(device, apks, props);
    let ok = true;
    for (const r of results) {
      if (r.ok) io.out(`${entry.name}: ${r.package}: ${r.detail}`);
      else {
        ok = false;
        io.err(`phonehome doctor: ${entry.name}: ${r.package}: ${r.detail}`);
      }
    }
    const preflight = await runPreflight(device, { props, name: entry.name });
    if (preflight.ok) io.out(`${entry.name}: ready (Android ${preflight.release ?? '?'}, API ${preflight.sdk ?? '?'}, user ${preflight.user ?? '?'}, root: ${preflight.root.detail})`);
    else for (const b of preflight.blockers) io.err(`phonehome doctor: ${entry.name}: ${b.line}`);
    return ok && preflight.ok ? 0 : 2;
  } finally {
    if (connectedByUs) await client.disconnect(entry.serial);
  }
}

