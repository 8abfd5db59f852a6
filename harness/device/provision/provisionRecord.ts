import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import type { RootForm, RootMethod } from '../rootAccess.js';

/** Where a phone keeps the record of what phonehome changed, so `provision --undo` works from any process. */
export const RECORD_PATH = '/data/local/tmp/phonehome-provision.json';

/**
 * What provisioning changed and what it found before. A step is written here *before* it is
 * applied, and every undo action is idempotent, so a run killed mid-step is still undone fully.
 */
export interface ProvisionRecord {
  version: 1;
  serial: string;
  startedAt: number;
  proxy?: {
    /** `settings get global http_proxy` as found; null when unset. */
    previous: string | null;
    value: string;
    reverse?: { remote: string; local: string; existed: boolean };
  };
  ca?: {
    store: 'system' | 'user';
    fileName: string;
    rootMethod: RootMethod;
    /** How root commands were run (absent in records of older phonehome versions: derived from rootMethod). */
    rootForm?: RootForm;
    /** The Android user whose user store is used (`am get-current-user`); absent: 0. */
    user?: number;
    /** User store with root: phonehome created /data/misc/user/N/cacerts-added (remove it on undo). */
    userDirCreatedByUs?: boolean;
    /** SELinux contexts copied from the stock store (dir, files); null where the phone shows none. */
    labels?: { dir: string | null; file: string | null };
    /** Android 14+: PIDs of the running apps whose mount namespaces got the APEX bind mount. */
    apexPids?: number[];
    /**
     * No root: the CA went in through the certificate installer, with the user's (or Appium's) OK.
     * Only Settings can take it out again; it stays for later runs, as one installed by hand does.
     */
    viaInstaller?: boolean;
    /** The certificate file was already there: leave it. */
    existed: boolean;
    /** A tmpfs over the system store that phonehome mounted (unmount on undo). */
    overlayMountedByUs: boolean;
    /** Android 14+: the APEX store bind mount phonehome made. */
    apexBound: boolean;
  };
  /** APKs installed from devices.json `apps` (sha256 and version of each; the run report picks them up). */
  apps?: Array<{ browser: string; package: string; files: Array<{ path: string; sha256: string }>; versionName: string; replaced: string | null }>;
  /** Chromium's command-line files written with root (chromeFlagsStep.ts): each put back as found on undo. */
  chromeFlags?: { content: string; rootForm: RootForm; files: Array<{ path: string; previous: string | null }> };
  /** `log.tag` raised for the run with root (logTagStep.ts): the value found goes back on undo. */
  logTag?: { previous: string; value: string; rootForm: RootForm };
  /** `adb root` was run by phonehome: `adb unroot` on undo. */
  adbdRootedByUs?: boolean;
}

export async function writeRecord(device: AdbDevice, record: ProvisionRecord): Promise<void> {
  await device.push(JSON.stringify(record), RECORD_PATH, 0o644);
}

export async function readRecord(device: AdbDevice): Promise<ProvisionRecord | null> {
  const text = (await device.shell(`cat ${RECORD_PATH} 2>/dev/null`, { maxBytes: 64 * 1024 })).trim();
  if (text === '' || /No such file/i.test(text)) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new PhonehomeError(`${device.serial}:${RECORD_PATH} is not a phonehome provisioning record; delete it with 'adb shell rm ${RECORD_PATH}' after checking the proxy and CA settings by hand`);
  }
  const record = data as ProvisionRecord;
  if (record.version !== 1 || typeof record.startedAt !== 'number') {
    throw new PhonehomeError(`${device.serial}:${RECORD_PATH} has an unknown format (version ${String(record.version)}); this phonehome cannot undo it`);
  }
  return record;
}

export async function deleteRecord(device: AdbDevice): Promise<void> {
  await device.shell(`rm -f ${RECORD_PATH}`);
}
