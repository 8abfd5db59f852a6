import { androidSystemCertificate } from './androidCertName.js';
import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { asRoot, formOf, runRootScript, type RootForm, type RootMethod } from '../rootAccess.js';
import { delay } from '../withTimeout.js';
import { readLabel, userCaDir } from './caPaths.js';
import type { ProvisionRecord } from './provisionRecord.js';

export { APEX_CA_DIR, SYSTEM_CA_DIR, userCaDir } from './caPaths.js';
import { APEX_CA_DIR, SYSTEM_CA_DIR } from './caPaths.js';

/** The user store of user 0 (kept for callers that predate per-user stores). */
export const USER_CA_DIR = userCaDir(0);
const STAGED_PEM = '/data/local/tmp/phonehome-ca.pem';
const STAGED_COPY = '/data/local/tmp/phonehome-cacerts';
const DOWNLOAD_CRT = '/sdcard/Download/phonehome-ca.crt';

type CaRecord = NonNullable<ProvisionRecord['ca']>;

/** The name the CA gets in the user store (Settings › User credentials shows it). */
export const USER_CA_NAME = 'phonehome';

/**
 * Confirms the certificate installer's dialog on the phone (the layer above passes one that drives
 * it through Appium); without one, provisioning waits for a person to tap it.
 */
export type ConfirmUserCa = (request: { name: string }) => Promise<void>;

export const USER_CA_WARNING =
  'no root on this phone: the capture CA goes into the user store, which apps targeting Android 7+ ignore unless they opt in; their HTTPS will show up as tls-rejected blind spots, not as flows';

export interface CaPlanInput {
  caCertPem: string;
  rootMethod: RootMethod;
  rootForm?: RootForm;
  store: 'system' | 'user';
  sdk: number;
  /** The current Android user (`am get-current-user`): MIUI Second space is not user 0. */
  user?: number;
}

/** Reads what is there before anything changes. */
export async function planCa(device: AdbDevice, input: CaPlanInput): Promise<CaRecord> {
  const { fileName } = androidSystemCertificate(input.caCertPem);
  const form = formOf(input.rootMethod, input.rootForm);
  const base = { fileName, rootMethod: input.rootMethod, rootForm: form, user: input.user ?? 0, overlayMountedByUs: false, apexBound: false };
  if (input.store === 'user') {
    const existed = await fileExists(device, `${userCaDir(input.user ?? 0)}/${fileName}`, form);
    return { store: 'user', existed, ...base };
  }
  const mounts = await device.shell(asRoot(form, 'cat /proc/mounts'));
  const overlaid = mountedAt(mounts, SYSTEM_CA_DIR);
  const existed = overlaid && (await fileExists(device, `${SYSTEM_CA_DIR}/${fileName}`, form));
  return { store: 'system', existed, ...base };
}

/**
 * Puts the CA where the phone's apps look, then checks it there *as apps see it* (the plain shell,
 * not root: Magisk's su may run in its own mount namespace, httptoolkit/httptoolkit#441).
 * System store: a tmpfs over the cacerts folder holding a copy of the stock CAs plus ours (the system
 * partition stays untouched; a reboot undoes it too), with the owner, mode and SELinux labels of
 * the stock folder and files; on Android 14+ the same folder bind-mounted over the Conscrypt APEX
 * store in the shell's, the zygotes' and every running app's mount namespace (HTTP Toolkit's
 * adb-commands.ts `injectSystemCertificate`, commits 965fd8d and 704d594). User store: written
 * with root into the current user's folder, otherwise through the certificate installer.
 * `onChange` is called before each change so the record on the phone is always ahead of the phone.
 */
export async function applyCa(
  device: AdbDevice,
  plan: CaRecord,
  input: { caCertPem: string; sdk: number; userCaTimeoutMs: number; log: (line: string) => void; warn?: (line: string) => void; confirmUserCa?: ConfirmUserCa },
  onChange: (plan: CaRecord) => Promise<void>,
): Promise<void> {
  if (plan.existed) return;
  const { content } = androidSystemCertificate(input.caCertPem);
  const form = formOf(plan.rootMethod, plan.rootForm);
  await device.push(content, STAGED_PEM, 0o644);
  if (plan.store === 'system') {
    await applySystemCa(device, plan, form, content, input, onChange);
    await device.shell(`rm -f ${STAGED_PEM}`);
    return;
  }
  const dir = userCaDir(plan.user ?? 0);
  const target = `${dir}/${plan.fileName}`;
  if (form !== undefined) {
    // The folder exists only after a first user CA: create it as the system would, labelled by the
    // policy's file_contexts (restorecon) (real-device-notes row 13; owner system:system and mode
    // 755 are **unverified**, taken from there).
    const dirExisted = await fileExists(device, dir, form);
    if (!dirExisted) {
      plan.userDirCreatedByUs = true;
      await onChange(plan);
      await runRootScript(device, form, 'CA (user store folder)', [
        `mkdir -p ${dir}`, `chown system:system ${dir}`, `chmod 755 ${dir}`, `restorecon ${dir}`,
      ]);
    }
    await runRootScript(device, form, 'CA (user store)', [
      `cp ${STAGED_PEM} ${target}`, `chown system:system ${target}`, `chmod 644 ${target}`, `restorecon ${target}`,
    ]);
    await device.shell(`rm -f ${STAGED_PEM}`);
    return;
  }
  // No root: only the user can add a CA. Android 11+ allows it only in Settings; older releases
  // also through the certificate installer, which asks the user to confirm.
  await device.shell(`rm -f ${STAGED_PEM}`);
  await device.push(content, DOWNLOAD_CRT, 0o644);
  const byHand = `install ${DOWNLOAD_CRT} (the phonehome CA, now on the phone) in Settings › Security › Encryption & credentials › Install a certificate › CA certificate, then run again; it stays installed for later runs`;
  if (input.sdk >= 30) {
    // Android 11+ takes CA certificates only in Settings: print the steps, then verify that the CA
    // arrived (a person at the phone may do it now; otherwise the next run finds it installed).
    plan.viaInstaller = true;
    await onChange(plan);
    const steps = `install ${DOWNLOAD_CRT} in Settings › Security › Encryption & credentials › Install a certificate › CA certificate`;
    input.log(`${device.serial}: no root, Android 11+: ${steps} (waiting up to ${Math.round(input.userCaTimeoutMs / 1000)} s for it to appear in ${dir})`);
    if (await waitForFile(device, target, input.userCaTimeoutMs)) {
      await device.shell(`rm -f ${DOWNLOAD_CRT}`);
      input.warn?.(`${device.serial}: the capture CA is now a user CA; it stays for later runs (only Settings › Security › Encryption & credentials › User credentials can remove it)`);
      return;
    }
    throw new PhonehomeError(`CA step failed on ${device.serial}: this phone has no root and Android 11+ adds user CAs only by hand: ${byHand}`);
  }
  // The installer's exported entry activity with the file as a VIEW of a CA certificate (its
  // manifest's filter; the usual adb recipe, e.g. `am start --user 0 -n
  // com.android.certinstaller/.CertInstallerMain -a android.intent.action.VIEW -t
  // application/x-x509-ca-cert -d file://…`, public code sample 382153372), for the user on screen.
  const started = await device.shell(`am start --user ${plan.user ?? 0} -n com.android.certinstaller/.CertInstallerMain -a android.intent.action.VIEW -t application/x-x509-ca-cert -d file://${DOWNLOAD_CRT}`);
  if (/Error|Exception/i.test(started)) {
    throw new PhonehomeError(`CA step failed on ${device.serial}: no root, and the certificate installer did not start (${started.trim().split('\n').pop()}): ${byHand}`);
  }
  plan.viaInstaller = true;
  await onChange(plan);
  if (input.confirmUserCa) {
    // Driven through Appium (drive/certInstallerDialog.ts): name it, tap OK, as the user would.
    input.log(`${device.serial}: confirming the certificate installer's dialog through Appium (name '${USER_CA_NAME}')`);
    try {
      await input.confirmUserCa({ name: USER_CA_NAME });
    } catch (error) {
      await device.shell('am force-stop com.android.certinstaller').catch(() => undefined);
      throw new PhonehomeError(`CA (certificate installer) step failed on ${device.serial}: ${(error as Error).message}; or ${byHand}`, { cause: error });
    }
  } else {
    input.log(`${device.serial}: confirm the CA certificate on the phone (certificate installer: name it '${USER_CA_NAME}', tap OK)`);
  }
  if (await waitForFile(device, target, input.userCaTimeoutMs)) {
    await device.shell(`rm -f ${DOWNLOAD_CRT}`);
    input.warn?.(`${device.serial}: the capture CA is now a user CA named '${USER_CA_NAME}'; it stays for later runs (only Settings › Security › Encryption & credentials › User credentials can remove it)`);
    return;
  }
  // The dialog would stay on screen over the browsers: close the installer.
  await device.shell('am force-stop com.android.certinstaller').catch(() => undefined);
  throw new PhonehomeError(`CA step failed on ${device.serial}: the CA did not appear in the user store within ${input.userCaTimeoutMs} ms (was the installer dialog confirmed?): ${byHand}`);
}

async function applySystemCa(
  device: AdbDevice,
  plan: CaRecord,
  form: RootForm | undefined,
  content: string,
  input: { sdk: number; warn?: (line: string) => void; log?: (line: string) => void },
  onChange: (plan: CaRecord) => Promise<void>,
): Promise<void> {
  const target = `${SYSTEM_CA_DIR}/${plan.fileName}`;
  const apex = input.sdk >= 34 && (await fileExists(device, APEX_CA_DIR, form));
  // HTTP Toolkit copies from the APEX store when it exists: on 34+ it is the one Conscrypt reads.
  const source = apex ? APEX_CA_DIR : SYSTEM_CA_DIR;
  const mounts = await device.shell(asRoot(form, 'cat /proc/mounts'));
  // The labels to copy: the stock folder's and a stock certificate's, read before the tmpfs hides them.
  const firstFile = (await device.shell(asRoot(form, `ls ${source}`))).split(/\s+/).find((n) => /^[0-9a-f]{8}\.\d+$/.test(n));
  plan.labels = {
    // On 34+ apps read the APEX folder: its label is the one they are allowed to read.
    dir: await readLabel(device, form, source, true),
    file: firstFile ? await readLabel(device, form, `${source}/${firstFile}`, false) : null,
  };
  const overlay = !mountedAt(mounts, SYSTEM_CA_DIR);
  if (overlay) {
    plan.overlayMountedByUs = true;
    await onChange(plan);
  }
  const { dir: dirLabel, file: fileLabel } = plan.labels;
  if (dirLabel === null && fileLabel === null) {
    input.warn?.(`${device.serial}: the stock CA store shows no SELinux context (ls -Z); nothing to copy onto the tmpfs store`);
  }
  // One script, so every step runs in one root session (and one mount namespace, whatever su does).
  await runRootScript(device, form, 'CA (system store overlay and labels)', [
    ...(overlay ? [
      `rm -rf ${STAGED_COPY}`, `mkdir -p ${STAGED_COPY}`, `cp ${source}/* ${STAGED_COPY}/`,
      `mount -t tmpfs tmpfs ${SYSTEM_CA_DIR}`,
      `cp ${STAGED_COPY}/* ${SYSTEM_CA_DIR}/`, `rm -rf ${STAGED_COPY}`,
    ] : []),
    `cp ${STAGED_PEM} ${target}`,
    `chown root:root ${SYSTEM_CA_DIR} ${SYSTEM_CA_DIR}/*`, `chmod 755 ${SYSTEM_CA_DIR}`, `chmod 644 ${SYSTEM_CA_DIR}/*`,
    ...(dirLabel ? [`chcon ${dirLabel} ${SYSTEM_CA_DIR}`] : []),
    ...(fileLabel ? [`chcon ${fileLabel} ${SYSTEM_CA_DIR}/*`] : []),
  ]);
  if (!apex) {
    await verifyCaAsApps(device, plan, content, input.sdk);
    await checkLabels(device, SYSTEM_CA_DIR, dirLabel, target, fileLabel);
  }
  if (apex) {
    plan.apexBound = true;
    await onChange(plan);
    // New apps fork from the zygotes: their namespaces need the mount too.
    const zygotes = await zygotePids(device, form);
    if (zygotes.length === 0) throw new PhonehomeError(`CA (APEX bind mount) step failed on ${device.serial}: no zygote process found (pidof zygote zygote64), so new apps would not see the CA`);
    await runRootScript(device, form, 'CA (APEX bind mount, shell and zygotes)', [
      `mount --bind ${SYSTEM_CA_DIR} ${APEX_CA_DIR}`,
      ...zygotes.map((pid) => `nsenter --mount=/proc/${pid}/ns/mnt -- /bin/mount --bind ${SYSTEM_CA_DIR} ${APEX_CA_DIR}`),
    ]);
    // Apps already running keep the stock store unless their own namespace gets the mount too.
    const pids = await runningAppPids(device, form);
    plan.apexPids = [];
    for (const pid of pids) {
      plan.apexPids.push(pid);
      await onChange(plan);
      const out = await device.shell(asRoot(form, `nsenter --mount=/proc/${pid}/ns/mnt -- /bin/mount --bind ${SYSTEM_CA_DIR} ${APEX_CA_DIR} && echo __ok__`));
      if (!out.includes('__ok__')) {
        // An app that exited meanwhile has nothing to inject; any other refusal is a failure.
        if (/No such file|No such process|ENOENT|ESRCH/i.test(out)) { plan.apexPids.pop(); continue; }
        throw new PhonehomeError(`CA (APEX bind mount, app ${pid}) step failed on ${device.serial}: ${out.trim().split('\n').slice(-2).join(' | ')}`);
      }
    }
    await onChange(plan);
    input.log?.(`${device.serial}: CA bound into the APEX store of the zygotes (pids ${zygotes.join(', ')}) and of ${plan.apexPids.length} running app(s)${plan.apexPids.length > 0 ? ` (pids ${plan.apexPids.join(', ')})` : ''}`);
    await verifyCaAsApps(device, plan, content, input.sdk);
    await checkLabels(device, APEX_CA_DIR, dirLabel, `${APEX_CA_DIR}/${plan.fileName}`, fileLabel);
  }
}

/**
 * The check that matters: the plain shell (an app's view of the file system, not root's) reads our
 * certificate, byte for byte, from the store apps use (the APEX path on Android 14+).
 */
export async function verifyCaAsApps(device: AdbDevice, plan: CaRecord, content: string, sdk: number): Promise<void> {
  const dir = plan.store === 'system' && sdk >= 34 && plan.apexBound ? APEX_CA_DIR : SYSTEM_CA_DIR;
  if (plan.store !== 'system') return;
  const seen = await device.shell(`cat ${dir}/${plan.fileName} 2>&1`);
  if (seen.trim() !== content.trim()) {
    throw new PhonehomeError(`CA (verify as apps see it) step failed on ${device.serial}: the plain shell does not read the CA at ${dir}/${plan.fileName} (${seen.trim().split('\n')[0]?.slice(0, 100) || 'empty'}); root sees it, so root runs in another mount namespace (Magisk: set Mount Namespace Mode to Global, or use su --mount-master)`);
  }
}

/**
 * After a browser has started: the CA inside that app's own mount namespace
 * (`nsenter --mount=/proc/PID/ns/mnt`, root only), at the APEX path on Android 14+.
 * Returns where it was seen, null when nothing can be checked (user store, no root), else the
 * one-line reason.
 */
export async function checkCaInApp(device: AdbDevice, plan: CaRecord, pkg: string, sdk: number): Promise<string | { pid: number; path: string } | null> {
  const form = formOf(plan.rootMethod, plan.rootForm);
  if (plan.store !== 'system' || form === undefined) return null;
  const pid = (await device.shell(`pidof ${pkg}`)).trim().split(/\s+/)[0];
  if (!pid || !/^\d+$/.test(pid)) return `${pkg} is not running, so its mount namespace cannot be checked`;
  const dir = sdk >= 34 && plan.apexBound ? APEX_CA_DIR : SYSTEM_CA_DIR;
  const out = await device.shell(asRoot(form, `nsenter --mount=/proc/${pid}/ns/mnt -- ls ${dir}/${plan.fileName} && echo __yes__`));
  if (out.includes('__yes__')) return { pid: Number(pid), path: `${dir}/${plan.fileName}` };
  return `CA (verify in ${pkg}) step failed on ${device.serial}: ${pkg} (pid ${pid}) does not see ${dir}/${plan.fileName} in its mount namespace (${out.trim().split('\n')[0]?.slice(0, 100) || 'no output'})`;
}

export async function zygotePids(device: AdbDevice, form: RootForm | undefined): Promise<number[]> {
  return parsePidColumn((await device.shell(asRoot(form, 'pidof zygote zygote64'))).split(/\s+/).join('\n'));
}

/**
 * PIDs of the zygotes' children (every running app), the set HTTP Toolkit enters (`ps -o PID -P`);
 * read from `ps -A`, whose toybox default columns (USER PID PPID …) carry the parent.
 */
export async function runningAppPids(device: AdbDevice, form: RootForm | undefined): Promise<number[]> {
  const zygotes = await zygotePids(device, form);
  if (zygotes.length === 0) return [];
  return childPids(await device.shell(asRoot(form, 'ps -A')), zygotes);
}

/** PIDs whose PPID is one of `parents`, from a ps listing with PID and PPID columns. */
export function childPids(psOutput: string, parents: number[]): number[] {
  const lines = psOutput.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').trim().split(/\s+/);
  const pidAt = header.indexOf('PID');
  const ppidAt = header.indexOf('PPID');
  if (pidAt < 0 || ppidAt < 0) return [];
  const wanted = new Set(parents);
  return lines.map((l) => l.trim().split(/\s+/)).filter((c) => wanted.has(Number(c[ppidAt]))).map((c) => Number(c[pidAt])).filter((n) => Number.isInteger(n) && n > 0);
}

export function parsePidColumn(text: string): number[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number))];
}

/** The labels as the plain shell sees them (apps' view), against the stock ones. */
async function checkLabels(device: AdbDevice, dir: string, dirLabel: string | null, file: string, fileLabel: string | null): Promise<void> {
  const nowDir = await readLabel(device, undefined, dir, true);
  const nowFile = await readLabel(device, undefined, file, false);
  if (nowDir !== dirLabel || nowFile !== fileLabel) {
    throw new PhonehomeError(`CA (system store labels) step failed on ${device.serial}: SELinux contexts are ${nowDir ?? 'none'} (folder) and ${nowFile ?? 'none'} (file) after chcon, the stock store has ${dirLabel ?? 'none'} and ${fileLabel ?? 'none'}; apps could not read the store`);
  }
}

/** Takes the CA out again; idempotent. */
export async function undoCa(device: AdbDevice, plan: CaRecord): Promise<void> {
  const problems: string[] = [];
  const form = formOf(plan.rootMethod, plan.rootForm);
  const root = (step: string, lines: string[]) => runRootScript(device, form, step, lines).catch((error: Error) => { problems.push(error.message); });
  if (plan.store === 'system') {
    if (plan.apexBound) {
      // Namespaces of processes that have exited are gone with them; the others get the mount removed.
      for (const pid of plan.apexPids ?? []) {
        await device.shell(asRoot(form, `[ -e /proc/${pid}/ns/mnt ] && nsenter --mount=/proc/${pid}/ns/mnt -- /bin/umount ${APEX_CA_DIR}`)).catch(() => undefined);
      }
      for (const pid of await zygotePids(device, form).catch(() => [])) {
        await device.shell(asRoot(form, `nsenter --mount=/proc/${pid}/ns/mnt -- /bin/umount ${APEX_CA_DIR}`)).catch(() => undefined);
      }
      const mounts = await device.shell(asRoot(form, 'cat /proc/mounts')).catch(() => '');
      if (mountedAt(mounts, APEX_CA_DIR)) await root('undo CA (APEX bind mount)', [`umount ${APEX_CA_DIR}`]);
    }
    if (plan.overlayMountedByUs) {
      const mounts = await device.shell(asRoot(form, 'cat /proc/mounts')).catch(() => '');
      if (mountedAt(mounts, SYSTEM_CA_DIR)) await root('undo CA (system store overlay)', [`umount ${SYSTEM_CA_DIR}`]);
    } else if (!plan.existed) {
      await root('undo CA (system store)', [`rm -f ${SYSTEM_CA_DIR}/${plan.fileName}`]);
    }
  } else if (!plan.existed) {
    const dir = userCaDir(plan.user ?? 0);
    if (form !== undefined) {
      await root('undo CA (user store)', [`rm -f ${dir}/${plan.fileName}`, ...(plan.userDirCreatedByUs ? [`rmdir ${dir}`] : [])]);
    } else if (!plan.viaInstaller && (await fileExists(device, `${dir}/${plan.fileName}`, undefined).catch(() => false))) {
      problems.push(`the CA stays in the user store (no root to remove it): remove 'phonehome' in Settings › Security › Encryption & credentials › User credentials`);
    }
  }
  // The copy in Download stays: it is what the user installs by hand on a phone without root.
  await device.shell(`rm -f ${STAGED_PEM}`).catch(() => undefined);
  await device.shell(asRoot(form, `rm -rf ${STAGED_COPY}`)).catch(() => undefined);
  if (problems.length > 0) throw new PhonehomeError(`undo CA on ${device.serial}: ${problems.join('; ')}`);
}

/** True when /proc/mounts has a mount whose target is exactly `dir`. */
export function mountedAt(procMounts: string, dir: string): boolean {
  return procMounts.split('\n').some((line) => line.split(/\s+/)[1] === dir);
}

/** Polls (as the plain shell) until `path` exists or `timeoutMs` passed. */
async function waitForFile(device: AdbDevice, path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fileExists(device, path, undefined)) return true;
    if (Date.now() >= deadline) return false;
    await delay(250);
  }
}

async function fileExists(device: AdbDevice, path: string, form: RootForm | undefined): Promise<boolean> {
  const out = await device.shell(asRoot(form, `[ -e ${path} ] && echo __yes__ || echo __no__`));
  return out.includes('__yes__');
}
