import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { parseProxySetting } from '../health.js';
import type { ProvisionRecord } from './provisionRecord.js';

type ProxyRecord = NonNullable<ProvisionRecord['proxy']>;

/** Reads what has to be restored, before anything changes. */
export async function planProxy(device: AdbDevice, proxyPort: number, proxyHost: string | undefined): Promise<ProxyRecord> {
  const previous = parseProxySetting(await device.shell('settings get global http_proxy'));
  if (proxyHost !== undefined) return { previous, value: `${proxyHost}:${proxyPort}` };
  const remote = `tcp:${proxyPort}`;
  const existed = (await device.listReverses()).some((r) => r.remote === remote);
  return { previous, value: `127.0.0.1:${proxyPort}`, reverse: { remote, local: `tcp:${proxyPort}`, existed } };
}

/** adb reverse (when the phone reaches the sidecar through adb) and the global HTTP proxy setting. */
export async function applyProxy(device: AdbDevice, plan: ProxyRecord): Promise<void> {
  if (plan.reverse) {
    try {
      await device.reverse(plan.reverse.remote, plan.reverse.local);
    } catch (error) {
      throw new PhonehomeError(`proxy step failed on ${device.serial}: adb reverse ${plan.reverse.remote} did not work (${(error as Error).message}); set "proxyHost" in devices.json to a LAN address of this machine instead`, { cause: error });
    }
  }
  await device.shell(`settings put global http_proxy ${plan.value}`);
  const now = parseProxySetting(await device.shell('settings get global http_proxy'));
  if (now !== plan.value) {
    throw new PhonehomeError(`proxy step failed on ${device.serial}: http_proxy reads '${now ?? 'null'}' after setting '${plan.value}' (the phone refused the setting)`);
  }
}

/** Restores the setting as found and drops the reverse phonehome added; idempotent. */
export async function undoProxy(device: AdbDevice, plan: ProxyRecord): Promise<void> {
  const problems: string[] = [];
  try {
    if (plan.previous === null) {
      // ':0' clears a live proxy at once on Android (a bare delete only takes effect after reboot).
      await device.shell('settings put global http_proxy :0');
      await device.shell('settings delete global http_proxy');
    } else {
      await device.shell(`settings put global http_proxy ${plan.previous}`);
    }
  } catch (error) {
    problems.push(`restore http_proxy: ${(error as Error).message}`);
  }
  if (plan.reverse && !plan.reverse.existed) {
    await device.removeReverse(plan.reverse.remote).catch((error: Error) => {
      if (!/not found|no such|listener/i.test(error.message)) problems.push(`remove adb reverse ${plan.reverse!.remote}: ${error.message}`);
    });
  }
  if (problems.length > 0) throw new PhonehomeError(`undo proxy on ${device.serial}: ${problems.join('; ')}`);
}
