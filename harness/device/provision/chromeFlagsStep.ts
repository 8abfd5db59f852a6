import { createHash, X509Certificate } from 'node:crypto';
import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { asRoot, runRootScript, type RootForm } from '../rootAccess.js';
import { shellQuote } from '../shellQuote.js';

/**
 * Where Chromium-based apps look for a command line: /data/local/ (root only) and /data/local/tmp/
 * (debuggable builds or the debug app), for Chrome, the WebView and content shell, as HTTP Toolkit
 * writes them (httptoolkit-server src/interceptors/android/adb-commands.ts `setChromeFlags`, commit
 * 02237f3). Chromium reads them in base/android CommandLineInitUtil.initCommandLine.
 */
export const CHROME_FLAG_FILES = ['chrome', 'android-webview', 'webview', 'content-shell'].flatMap((variant) => [
  `/data/local/${variant}-command-line`,
  `/data/local/tmp/${variant}-command-line`,
]);

/** The label an app may read the files under (HTTP Toolkit's chcon); /data/local would give system_data_file. */
export const CHROME_FLAG_LABEL = 'u:object_r:shell_data_file:s0';

export interface ChromeFlagsRecord {
  /** The one line written: `chrome --ignore-certificate-errors-spki-list=<spki>`. */
  content: string;
  rootForm: RootForm;
  /** Each file as found: its content, or null when it did not exist. */
  files: Array<{ path: string; previous: string | null }>;
}

/** sha256 of the CA's SubjectPublicKeyInfo, base64: the value Chromium's SPKI list takes. */
export function spkiFingerprint(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Chromium on Android requires Certificate Transparency for chains to system roots, so a
 * system-store CA alone can still give ERR_CERTIFICATE_TRANSPARENCY_REQUIRED (httptoolkit#325);
 * `--ignore-certificate-errors-spki-list` with the CA's key lifts certificate errors for chains
 * holding it. Only root can write /data/local, and a fork reads it only as Chromium does (the
 * /tmp copy on debuggable builds or for the debug app): a flag that is not honoured changes nothing.
 */
export async function planChromeFlags(device: AdbDevice, form: RootForm, caCertPem: string): Promise<ChromeFlagsRecord> {
  const content = `chrome --ignore-certificate-errors-spki-list=${spkiFingerprint(caCertPem)}`;
  const files: ChromeFlagsRecord['files'] = [];
  for (const path of CHROME_FLAG_FILES) {
    const out = await device.shell(asRoot(form, `[ -e ${path} ] && { echo __exists__; cat ${path}; } || echo __absent__`));
    const at = out.indexOf('__exists__\n');
    files.push({ path, previous: at >= 0 ? out.slice(at + '__exists__\n'.length) : null });
  }
  return { content, rootForm: form, files };
}

export async function applyChromeFlags(device: AdbDevice, plan: ChromeFlagsRecord): Promise<void> {
  await runRootScript(device, plan.rootForm, 'Chrome flag files', plan.files.flatMap(({ path }) => [
    `echo ${shellQuote(plan.content)} > ${path}`, `chmod 744 ${path}`, `chcon ${CHROME_FLAG_LABEL} ${path}`,
  ]));
  // Read back as written, with the label apps are allowed to read.
  for (const { path } of plan.files) {
    const seen = (await device.shell(asRoot(plan.rootForm, `cat ${path}`))).trim();
    const label = (await device.shell(asRoot(plan.rootForm, `ls -Z ${path}`))).trim();
    if (seen !== plan.content || !label.includes(CHROME_FLAG_LABEL)) {
      throw new PhonehomeError(`Chrome flag files step failed on ${device.serial}: ${path} reads '${seen.slice(0, 80)}' labelled '${label.split(/\s+/)[0] ?? ''}' after writing it`);
    }
  }
}

/** Puts every file back as found (removed when it did not exist); idempotent. */
export async function undoChromeFlags(device: AdbDevice, plan: ChromeFlagsRecord): Promise<void> {
  const lines = plan.files.flatMap(({ path, previous }) => previous === null
    ? [`rm -f ${path}`]
    : [`printf %s ${shellQuote(previous)} > ${path}`]);
  await runRootScript(device, plan.rootForm, 'undo Chrome flag files', lines);
}
