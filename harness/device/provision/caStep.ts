import { androidSystemCertificate } from './androidCertName.js';
import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { asRoot, type RootMethod } from '../rootAccess.js';
import { delay } from '../withTimeout.js';
import type { ProvisionRecord } from './provisionRecord.js';

export const SYSTEM_CA_DIR = '/system/etc/security/cacerts';
export const APEX_CA_DIR = '/apex/com.android.conscrypt/cacerts';
export const USER_CA_DIR = '/data/misc/user/0/cacerts-added';
const STAGED_PEM = '/data/local/tmp/phonehome-ca.pem';
const STAGED_COPY = '/data/local/tmp/phonehome-cacerts';
const DOWNLOAD_CRT = '/sdcard/Download/phonehome-ca.crt';

type CaRecord = NonNullable<ProvisionRecord['ca']>;

export const USER_CA_WARNING =
  'no root on this phone: the capture CA goes into the user store, which apps targeting Android 7+ ignore unless they opt in; their HTTPS will show up as tls-rejected blind spots, not as flows';

export interface CaPlanInput {
  caCertPem: string;
  rootMethod: RootMethod;
  store: 'system' | 'user';
  sdk: number;
}

/** Reads what is there before anything changes. */
export async function planCa(device: AdbDevice, input: CaPlanInput): Promise<CaRecord> {
  const { fileName } = androidSystemCertificate(input.caCertPem);
  if (input.store === 'user') {
    const existed = await fileExists(device, `${USER_CA_DIR}/${fileName}`, input.rootMethod);
    return { store: 'user', fileName, rootMethod: input.rootMethod, existed, overlayMountedByUs: false, apexBound: false };
  }
  const mounts = await device.shell(asRoot(input.rootMethod, 'cat /proc/mounts'));
  const overlaid = mountedAt(mounts, SYSTEM_CA_DIR);
  const existed = overlaid && (await fileExists(device, `${SYSTEM_CA_DIR}/${fileName}`, input.rootMethod));
  return { store: 'system', fileName, rootMethod: input.rootMethod, existed, overlayMountedByUs: false, apexBound: false };
}

/**
 * Puts the CA where the phone's apps look. System store: a tmpfs over the cacerts folder holding a
 * copy of the stock CAs plus ours (the system partition stays untouched; a reboot undoes it too),
 * and on Android 14+ the same folder bind-mounted over the Conscrypt APEX store in the shell's and
 * the zygotes' mount namespaces. User store: written directly with root, otherwise through the
 * system certificate installer, which asks the user to confirm.
 * `onChange` is called before each change so the record on the phone is always ahead of the phone.
 */
export async function applyCa(
  device: AdbDevice,
  plan: CaRecord,
  input: { caCertPem: string; sdk: number; userCaTimeoutMs: number; log: (line: string) => void },
  onChange: (plan: CaRecord) => Promise<void>,
): Promise<void> {
  if (plan.existed) return;
  const { content } = androidSystemCertificate(input.caCertPem);
  await device.push(content, STAGED_PEM, 0o644);
  const root = (command: string) => runChecked(device, plan.rootMethod, command);
  if (plan.store === 'system') {
    const mounts = await device.shell(asRoot(plan.rootMethod, 'cat /proc/mounts'));
    if (!mountedAt(mounts, SYSTEM_CA_DIR)) {
      plan.overlayMountedByUs = true;
      await onChange(plan);
      const source = input.sdk >= 34 && (await fileExists(device, APEX_CA_DIR, plan.rootMethod)) ? APEX_CA_DIR : SYSTEM_CA_DIR;
      await root(`rm -rf ${STAGED_COPY} && mkdir -p ${STAGED_COPY} && cp ${source}/* ${STAGED_COPY}/`);
      await root(`mount -t tmpfs tmpfs ${SYSTEM_CA_DIR}`);
      await root(`cp ${STAGED_COPY}/* ${SYSTEM_CA_DIR}/ && rm -rf ${STAGED_COPY}`);
    }
    const target = `${SYSTEM_CA_DIR}/${plan.fileName}`;
    await root(`cp ${STAGED_PEM} ${target} && chown root:root ${SYSTEM_CA_DIR}/* && chmod 644 ${SYSTEM_CA_DIR}/*`);
    // SELinux label for the system store; absent chcon (no SELinux) is fine.
    await device.shell(asRoot(plan.rootMethod, `chcon u:object_r:system_file:s0 ${SYSTEM_CA_DIR}/* 2>/dev/null; true`));
    if (input.sdk >= 34 && (await fileExists(device, APEX_CA_DIR, plan.rootMethod))) {
      plan.apexBound = true;
      await onChange(plan);
      await root(`mount --bind ${SYSTEM_CA_DIR} ${APEX_CA_DIR}`);
      // New apps fork from the zygotes: their namespaces need the mount too.
      await device.shell(asRoot(plan.rootMethod, `for P in $(pidof zygote zygote64); do nsenter --mount=/proc/$P/ns/mnt -- /bin/mount --bind ${SYSTEM_CA_DIR} ${APEX_CA_DIR}; done 2>/dev/null; true`));
    }
    if (!(await fileExists(device, target, plan.rootMethod))) {
      throw new PhonehomeError(`CA step failed on ${device.serial}: ${target} is missing after installing it`);
    }
    await device.shell(`rm -f ${STAGED_PEM}`);
    return;
  }
  const target = `${USER_CA_DIR}/${plan.fileName}`;
  if (plan.rootMethod !== 'none') {
    await root(`cp ${STAGED_PEM} ${target} && chown system:system ${target} && chmod 644 ${target}`);
    await device.shell(`rm -f ${STAGED_PEM}`);
    return;
  }
  // No root: only the user can add a CA. Android 11+ allows it only in Settings; older releases
  // also through the certificate installer, which asks the user to confirm.
  await device.shell(`rm -f ${STAGED_PEM}`);
  await device.push(content, DOWNLOAD_CRT, 0o644);
  const byHand = `install ${DOWNLOAD_CRT} (the phonehome CA, now on the phone) in Settings › Security › Encryption & credentials › Install a certificate › CA certificate, then run again; it stays installed for later runs`;
  if (input.sdk >= 30) {
    throw new PhonehomeError(`CA step failed on ${device.serial}: this phone has no root and Android 11+ adds user CAs only by hand: ${byHand}`);
  }
  const started = await device.shell(`am start -a android.credentials.INSTALL -t application/x-x509-ca-cert -d file://${DOWNLOAD_CRT} -n com.android.certinstaller/.CertInstallerMain`);
  if (/Error/i.test(started)) {
    throw new PhonehomeError(`CA step failed on ${device.serial}: no root, and the certificate installer did not start (${started.trim().split('\n').pop()}): ${byHand}`);
  }
  input.log(`${device.serial}: confirm the CA certificate on the phone (certificate installer: name it 'phonehome', tap OK)`);
  const deadline = Date.now() + input.userCaTimeoutMs;
  while (Date.now() < deadline) {
    if (await fileExists(device, target, 'none')) {
      await device.shell(`rm -f ${DOWNLOAD_CRT}`);
      return;
    }
    await delay(250);
  }
  throw new PhonehomeError(`CA step failed on ${device.serial}: the CA did not appear in the user store within ${input.userCaTimeoutMs} ms (was the installer dialog confirmed?): ${byHand}`);
}

/** Takes the CA out again; idempotent. */
export async function undoCa(device: AdbDevice, plan: CaRecord): Promise<void> {
  const problems: string[] = [];
  const root = (command: string) => runChecked(device, plan.rootMethod, command).catch((error: Error) => { problems.push(error.message); });
  if (plan.store === 'system') {
    if (plan.apexBound) {
      await device.shell(asRoot(plan.rootMethod, `for P in $(pidof zygote zygote64); do nsenter --mount=/proc/$P/ns/mnt -- /bin/umount ${APEX_CA_DIR}; done 2>/dev/null; true`)).catch(() => undefined);
      const mounts = await device.shell(asRoot(plan.rootMethod, 'cat /proc/mounts')).catch(() => '');
      if (mountedAt(mounts, APEX_CA_DIR)) await root(`umount ${APEX_CA_DIR}`);
    }
    if (plan.overlayMountedByUs) {
      const mounts = await device.shell(asRoot(plan.rootMethod, 'cat /proc/mounts')).catch(() => '');
      if (mountedAt(mounts, SYSTEM_CA_DIR)) await root(`umount ${SYSTEM_CA_DIR}`);
    } else if (!plan.existed) {
      await root(`rm -f ${SYSTEM_CA_DIR}/${plan.fileName}`);
    }
  } else if (!plan.existed) {
    if (plan.rootMethod !== 'none') {
      await root(`rm -f ${USER_CA_DIR}/${plan.fileName}`);
    } else if (await fileExists(device, `${USER_CA_DIR}/${plan.fileName}`, 'none').catch(() => false)) {
      problems.push(`the CA stays in the user store (no root to remove it): remove 'phonehome' in Settings › Security › Encryption & credentials › User credentials`);
    }
  }
  // The copy in Download stays: it is what the user installs by hand on a phone without root.
  await device.shell(`rm -f ${STAGED_PEM}`).catch(() => undefined);
  await device.shell(asRoot(plan.rootMethod, `rm -rf ${STAGED_COPY}`)).catch(() => undefined);
  if (problems.length > 0) throw new PhonehomeError(`undo CA on ${device.serial}: ${problems.join('; ')}`);
}

/** True when /proc/mounts has a mount whose target is exactly `dir`. */
export function mountedAt(procMounts: string, dir: string): boolean {
  return procMounts.split('\n').some((line) => line.split(/\s+/)[1] === dir);
}

async function fileExists(device: AdbDevice, path: string, method: RootMethod): Promise<boolean> {
  const out = await device.shell(asRoot(method, `[ -e ${path} ] && echo __yes__ || echo __no__`));
  return out.includes('__yes__');
}

/** Runs a root command and fails with its output when it does not print the success sentinel. */
async function runChecked(device: AdbDevice, method: RootMethod, command: string): Promise<void> {
  const out = await device.shell(asRoot(method, `${command} && echo __ok__`));
  if (!out.includes('__ok__')) {
    throw new PhonehomeError(`CA step failed on ${device.serial}: '${command}' failed: ${out.trim().split('\n').slice(-2).join(' ') || 'no output'}`);
  }
}
