import { remote } from 'webdriverio';
import { delay } from '../device/index.js';
import { PhonehomeError } from '../errors.js';
import { failWithEvidence } from './actionEvidence.js';
import { endpointOptions, uiautomator2Capabilities, type SessionTarget } from './appiumCapabilities.js';
import { toSelector } from './elementFinder.js';
import type { Locator } from './browsers/types.js';

const P = 'com.android.certinstaller';

/**
 * The certificate installer's "Name the certificate" dialog (Android up to 10), by AOSP's ids
 * first, then by class and text: layout name_credential_dialog's EditText `credential_name`, the
 * AlertDialog's OK `android:id/button1` (AOSP packages/apps/CertInstaller CertInstaller.java
 * createNameCredentialDialog and res/layout/name_credential_dialog.xml, read in
 * CyanogenMod/android_packages_apps_CertInstaller, Android 7.1; unverified at an android-10 tag).
 */
const DIALOG: Record<'nameField' | 'ok' | 'error', Locator[]> = {
  nameField: [
    { strategy: 'id', value: `${P}:id/credential_name` },
    { strategy: 'xpath', value: `//android.widget.EditText[@package='${P}']` },
  ],
  ok: [
    { strategy: 'id', value: 'android:id/button1' },
    { strategy: 'xpath', value: `//android.widget.Button[@package='${P}' and (@text='OK' or @text='Ok')]` },
  ],
  error: [{ strategy: 'id', value: `${P}:id/error` }],
};

/** The W3C element reference key. */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

export interface CertInstallerOptions extends Omit<SessionTarget, 'app'> {
  appiumUrl: string;
  /** The name the CA is stored under (shown in Settings › User credentials). */
  name: string;
  /** How long to wait for the dialog to show (default 20 s). */
  timeoutMs?: number;
  /** Where a failure saves the screen and page source. */
  evidenceDir: string;
}

/**
 * Confirms the certificate installer's dialog through Appium, as a user would: types the name, taps
 * OK, and checks the dialog went. The caller started the installer (`am start … CertInstallerMain`)
 * and checks the user store afterwards; this only drives the screen. A phone that refuses input
 * (MIUI without "USB debugging (Security settings)") is stopped earlier by the preflight.
 */
export async function confirmCertInstaller(options: CertInstallerOptions): Promise<void> {
  const capabilities = await uiautomator2Capabilities({ entry: options.entry, adb: options.adb, systemPort: options.systemPort });
  let driver: Awaited<ReturnType<typeof remote>>;
  try {
    driver = await remote({ ...endpointOptions(options.appiumUrl), capabilities: capabilities as WebdriverIO.Capabilities, logLevel: 'silent', connectionRetryCount: 0, connectionRetryTimeout: 180_000 });
  } catch (error) {
    throw new PhonehomeError(`certificate installer: Appium could not start a session at ${options.appiumUrl}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  // First element any of the candidates finds, polled until timeoutMs (0: look once).
  const find = async (name: keyof typeof DIALOG, timeoutMs: number): Promise<string | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const locator of DIALOG[name]) {
        const { using, value } = toSelector(locator);
        const found = (await driver.findElements(using, value)) as unknown as Array<Record<string, string>>;
        const id = found[0]?.[ELEMENT_KEY];
        if (id) return id;
      }
      if (Date.now() >= deadline) return undefined;
      await delay(200);
    }
  };
  const fail = async (message: string, cause?: unknown) =>
    failWithEvidence(options.evidenceDir, 'cert-installer', `certificate installer on ${options.entry.name}: ${message}`, { screenshot: async () => Buffer.from(await driver.takeScreenshot(), 'base64'), pageSource: () => driver.getPageSource() }, cause);
  try {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const field = await find('nameField', timeoutMs);
    if (!field) throw await fail(`the 'Name the certificate' dialog did not appear within ${timeoutMs} ms (a phone without a screen lock may ask for a PIN first: set one, then run again)`);
    await driver.elementClear(field);
    await driver.elementSendKeys(field, options.name);
    const typed = (await driver.getElementText(field)).trim();
    if (typed !== options.name) throw await fail(`typed '${options.name}' as the certificate's name but the field reads '${typed}'`);
    const ok = await find('ok', 2000);
    if (!ok) throw await fail('the dialog has no OK button (android:id/button1, or a Button reading OK)');
    await driver.elementClick(ok);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!(await find('nameField', 0))) return;
      const error = await find('error', 0);
      if (error) throw await fail(`the dialog stayed after OK, saying '${(await driver.getElementText(error)).trim()}'`);
      await delay(200);
    }
    throw await fail('the dialog stayed for 10 s after OK');
  } finally {
    await driver.deleteSession().catch(() => undefined);
  }
}
