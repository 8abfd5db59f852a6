import type { UiNode } from '../ui.js';
import { Layout, ScreenBuilder, type Screen } from './uiTree.js';

export const CERT_INSTALLER = 'com.android.certinstaller';
/** The exported entry activity; it hands the certificate to the (unexported) CertInstaller activity. */
export const CERT_INSTALLER_MAIN = `${CERT_INSTALLER}.CertInstallerMain`;
export const CERT_INSTALLER_ACTIVITY = `${CERT_INSTALLER}.CertInstaller`;

/** What the certificate installer needs from the phone (the Android model provides it). */
export interface CertInstallerHost {
  sdk: number;
  /** The certificate file the intent names (file:// URI), as the installer reads it; null: unreadable. */
  read(uri: string): Buffer | null;
  /** Settings' credential storage installs a CA for the current user; returns the file name. */
  installCa(pem: string): string;
  /** A toast (Android logs none; the sim writes it to logcat so a test can follow). */
  toast(text: string): void;
  /** The activity finished: the screen under it shows again. */
  finish(): void;
}

/**
 * AOSP's certificate installer (packages/apps/CertInstaller) as far as installing a CA
 * certificate from a file goes, on the release of the phone:
 * - up to Android 10: the "Name the certificate" dialog (layout name_credential_dialog: EditText
 *   `credential_name` under "Certificate name:", "The package contains:" `credential_info`
 *   reading "one CA certificate", buttons OK `android:id/button1` and Cancel
 *   `android:id/button2`); OK with an empty name shows "Type a name." in `error` and keeps the
 *   dialog; OK with a name installs the CA for the current user (Settings' credential storage)
 *   and toasts "<name> is installed."; Cancel or Back toasts "The certificate is not installed.".
 *   Source: CyanogenMod/android_packages_apps_CertInstaller (AOSP's tree as of Android 7.1:
 *   CertInstaller.java createNameCredentialDialog, res/layout/name_credential_dialog.xml,
 *   res/values/strings.xml); **unverified at an android-10 tag** (no copy of that tag was found).
 * - Android 11+: CA certificates are refused outside Settings; the dialog text below is
 *   **unverified** (the behaviour is Android 11's documented change, not the wording).
 * Not modelled (unverified): the lock-screen PIN Settings may ask for before storing a
 * credential, and the installer refusing users other than the owner.
 */
export class CertInstallerDialog {
  private name = '';
  private error: string | null = null;
  readonly refused: boolean;

  constructor(private readonly host: CertInstallerHost, private readonly pem: string) {
    this.refused = host.sdk >= 30;
  }

  /** Starts the installer for `uri`; null when it finishes at once (nothing installable), after a toast. */
  static start(host: CertInstallerHost, uri: string | undefined): CertInstallerDialog | null {
    const data = uri ? host.read(uri) : null;
    if (!uri) {
      host.toast('No certificate to install.');
      return null;
    }
    if (!data) {
      host.toast("Couldn't install because the certificate file couldn't be read.");
      return null;
    }
    const text = data.toString('latin1');
    if (!/-----BEGIN CERTIFICATE-----/.test(text)) {
      host.toast('The certificate is invalid.');
      return null;
    }
    return new CertInstallerDialog(host, text);
  }

  private ok(): void {
    if (this.refused) {
      this.host.finish();
      return;
    }
    if (this.name.trim() === '') {
      this.error = 'Type a name.';
      return;
    }
    this.host.installCa(this.pem);
    this.host.toast(`${this.name} is installed.`);
    this.host.finish();
  }

  cancel(): void {
    if (!this.refused) this.host.toast('The certificate is not installed.');
    this.host.finish();
  }

  screen(layout: Layout): Screen {
    const b = new ScreenBuilder();
    const P = CERT_INSTALLER;
    const { width: W, height: H } = layout;
    const dp = (v: number) => layout.dp(v);
    const top = Math.round(H * 0.3);
    const bottom = top + dp(this.refused ? 200 : 300);
    const text = (key: string, resourceId: string | undefined, value: string, y: number, h = 28): UiNode =>
      b.node({ key: `${P}/${key}`, className: 'android.widget.TextView', package: P, ...(resourceId ? { resourceId } : {}), text: value, bounds: [dp(40), y, W - dp(40), y + dp(h)] });
    const children: UiNode[] = [];
    if (this.refused) {
      children.push(text('title', 'android:id/alertTitle', "Can't install CA certificates", top + dp(20)));
      children.push(text('message', 'android:id/message', 'CA certificates can put your privacy at risk and must be installed in Settings', top + dp(60), 60));
      children.push(b.node({ key: `${P}/button1`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button1', text: 'Close', focusable: true, bounds: [W - dp(160), bottom - dp(56), W - dp(40), bottom - dp(12)] }, { click: () => this.ok() }));
    } else {
      children.push(text('title', 'android:id/alertTitle', 'Name the certificate', top + dp(20)));
      const fields: UiNode[] = [];
      if (this.error) fields.push(text('error', `${P}:id/error`, this.error, top + dp(60)));
      const y = top + dp(this.error ? 92 : 64);
      fields.push(text('name_title', `${P}:id/credential_name_title`, 'Certificate name:', y));
      fields.push(b.node(
        { key: `${P}/name`, className: 'android.widget.EditText', package: P, resourceId: `${P}:id/credential_name`, text: this.name, focusable: true, focused: true, bounds: [dp(40), y + dp(30), W - dp(40), y + dp(78)] },
        {
          setText: (value, replace) => { this.name = replace ? value : this.name + value; },
          clear: () => { this.name = ''; },
          click: () => undefined,
        },
      ));
      fields.push(text('info_title', `${P}:id/credential_info_title`, 'The package contains:', y + dp(86)));
      fields.push(text('info', `${P}:id/credential_info`, 'one CA certificate', y + dp(114)));
      children.push(b.node({ key: `${P}/custom`, className: 'android.widget.ScrollView', package: P, resourceId: 'android:id/custom', bounds: [dp(24), top + dp(56), W - dp(24), bottom - dp(64)], children: fields }));
      children.push(b.node({ key: `${P}/button2`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button2', text: 'Cancel', focusable: true, bounds: [W - dp(300), bottom - dp(56), W - dp(180), bottom - dp(12)] }, { click: () => this.cancel() }));
      children.push(b.node({ key: `${P}/button1`, className: 'android.widget.Button', package: P, resourceId: 'android:id/button1', text: 'OK', focusable: true, bounds: [W - dp(160), bottom - dp(56), W - dp(40), bottom - dp(12)] }, { click: () => this.ok() }));
    }
    const panel = b.node({ key: `${P}/panel`, className: 'android.widget.LinearLayout', package: P, resourceId: 'android:id/parentPanel', bounds: [dp(24), top, W - dp(24), bottom], children });
    return b.screen(b.node({ key: `${P}/root`, className: 'android.widget.FrameLayout', package: P, bounds: [0, 0, W, H], children: [panel] }));
  }
}
