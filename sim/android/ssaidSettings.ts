import { createHash, createHmac } from 'node:crypto';
import type { Profile } from '../profile.js';
import { writeBinaryXml, writeTextXml, type XmlElement } from './binaryXml.js';
import { ROOT, type VirtualFileSystem } from './fileSystem.js';
import { AID } from './fileSystemLayout.js';

/** Android 8 (O, API 26) made ANDROID_ID per (user, app signing key). */
export const PER_APP_ANDROID_ID_SDK = 26;
/** Android 12 (S, API 31) writes system_server's XML state as binary XML (ABX). */
export const BINARY_XML_SDK = 31;

export function ssaidPath(user: number): string {
  return `/data/system/users/${user}/settings_ssaid.xml`;
}

interface Entry {
  id: number;
  name: string;
  value: string;
  pkg: string;
}

/**
 * SettingsProvider's SSAID table (AOSP frameworks/base/packages/SettingsProvider
 * SettingsProvider.java `generateSsaidLocked` / `getSsaidSettingLocked`, android-10.0.0_r1; the
 * same steps as mirrored in MuntashirAkon/AppManager `ssaid/SsaidSettings.java`):
 * - per user a `userkey` setting (package `android`): 32 random bytes as uppercase hex;
 * - an app's SSAID is the first 16 lowercase hex digits of HMAC-SHA256 keyed with the user key over
 *   each signing certificate, each preceded by its length as a big-endian u32 — so it depends on
 *   the user and the signing key, not the package name (Android Developers Blog, "Changes to
 *   Device Identifiers in Android O", 2017: same key, same ID; the value survives a reinstall);
 * - stored under the app's uid (`name`), with its `package`, and persisted to
 *   /data/system/users/N/settings_ssaid.xml (system, 0600), text XML up to Android 11, ABX from 12.
 *
 * Choices the simulator makes, **unverified** for real phones: the user key is derived from the
 * profile (a phone draws it at random once) so that a profile's values are stable; each app has its
 * own signing key (whether Xiaomi signs Mint and Mi Browser Pro with one key is unknown); the shell's
 * entry (`com.android.shell`, uid 2000) holds the profile's `androidId`, so `settings get secure
 * android_id` keeps answering it; apps the profile ships preinstalled have asked already (a phone in
 * use), other apps get theirs on their first request (AOSP generates lazily).
 */
export class SsaidSettings {
  private readonly users = new Map<number, { key: string; entries: Map<string, Entry>; nextId: number }>();

  constructor(
    private readonly files: VirtualFileSystem,
    private readonly profile: Profile,
  ) {}

  get enabled(): boolean {
    return this.profile.device.sdk >= PER_APP_ANDROID_ID_SDK;
  }

  /** Boot: the shell's entry and the preinstalled apps' (they have run before on a phone in use). */
  seed(user: number, apps: ReadonlyArray<{ pkg: string; appId: number }>): void {
    if (!this.enabled) return;
    const table = this.table(user);
    if (!table.entries.has(String(userUid(user, AID.shell)))) {
      table.entries.set(String(userUid(user, AID.shell)), { id: table.nextId++, name: String(userUid(user, AID.shell)), value: this.profile.device.androidId.toLowerCase(), pkg: 'com.android.shell' });
    }
    for (const app of apps) this.insert(user, app.pkg, app.appId);
    this.persist(user);
  }

  /** Settings.Secure.ANDROID_ID as `pkg` (app id `appId`) of `user` reads it; created on first request. */
  androidIdFor(user: number, pkg: string, appId: number): string {
    if (!this.enabled) return this.profile.device.androidId.toLowerCase();
    const existing = this.table(user).entries.get(String(userUid(user, appId)));
    if (existing) return existing.value;
    const value = this.insert(user, pkg, appId);
    this.persist(user);
    return value;
  }

  /** A package was uninstalled: its entries go (SettingsProvider onPackageRemovedLocked). */
  removePackage(pkg: string): void {
    for (const [user, table] of this.users) {
      let changed = false;
      for (const [name, entry] of table.entries) {
        if (entry.pkg === pkg) {
          table.entries.delete(name);
          changed = true;
        }
      }
      if (changed) this.persist(user);
    }
  }

  private insert(user: number, pkg: string, appId: number): string {
    const table = this.table(user);
    const name = String(userUid(user, appId));
    const known = table.entries.get(name);
    if (known) return known.value;
    const cert = signingCertificate(pkg);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(cert.length);
    const value = createHmac('sha256', Buffer.from(table.key, 'hex')).update(length).update(cert).digest('hex').slice(0, 16);
    table.entries.set(name, { id: table.nextId++, name, value, pkg });
    return value;
  }

  private table(user: number) {
    let table = this.users.get(user);
    if (!table) {
      const key = createHash('sha256').update(`phonehome sim ssaid userkey ${this.profile.name} ${this.profile.device.androidId} ${user}`).digest('hex').toUpperCase();
      table = { key, entries: new Map(), nextId: 1 };
      this.users.set(user, table);
    }
    return table;
  }

  /** SettingsState.writeStateAsyncLocked: every setting with its id, name, value, package and default. */
  private persist(user: number): void {
    const table = this.table(user);
    const setting = (id: number, name: string, value: string, pkg: string, sysSet: boolean): XmlElement => ({
      name: 'setting',
      attributes: [['id', String(id)], ['name', name], ['value', value], ['package', pkg], ['defaultValue', value], ['defaultSysSet', String(sysSet)], ['tag', 'null']],
      children: [],
    });
    const root: XmlElement = {
      name: 'settings',
      attributes: [['version', '-1']],
      children: [setting(0, 'userkey', table.key, 'android', true), ...[...table.entries.values()].map((e) => setting(e.id, e.name, e.value, e.pkg, false))],
    };
    const dir = `/data/system/users/${user}`;
    if (!this.files.exists(dir)) {
      this.files.mkdir(dir, ROOT, { parents: true, mode: 0o700 });
      this.files.chown(dir, AID.system, AID.system);
    }
    const data = this.profile.device.sdk >= BINARY_XML_SDK ? writeBinaryXml(root) : Buffer.from(writeTextXml(root, true));
    const path = ssaidPath(user);
    this.files.writeFile(path, data, ROOT, { mode: 0o600 });
    this.files.chmod(path, 0o600);
    this.files.chown(path, AID.system, AID.system);
  }
}

/** UserHandle.getUid: user N's uid for an app id. */
export function userUid(user: number, appId: number): number {
  return user * 100_000 + appId;
}

/** A stand-in for the app's signing certificate DER: one per package (see the class comment). */
function signingCertificate(pkg: string): Buffer {
  return createHash('sha512').update(`phonehome sim signing certificate ${pkg}`).digest();
}
