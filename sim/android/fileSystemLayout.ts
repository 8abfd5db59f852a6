import type { Profile } from '../profile.js';
import { ROOT, type VirtualFileSystem } from './fileSystem.js';
import { systemCaRoots } from './systemCaStore.js';

/** Android ids (android_filesystem_config.h). */
export const AID = { root: 0, system: 1000, shell: 2000, sdcard_rw: 1015, misc: 9998, everybody: 9997 } as const;

export const SYSTEM_CA_DIR = '/system/etc/security/cacerts';
export const APEX_CA_DIR = '/apex/com.android.conscrypt/cacerts';
export const USER_CA_DIR = '/data/misc/user/0/cacerts-added';
/** The user CA folder of Android user N (the CA store of that user's apps). */
export function userCaDir(user: number): string {
  return `/data/misc/user/${user}/cacerts-added`;
}

/** Boot mounts and whether each is read-only, restored on reboot. */
export const BOOT_MOUNTS = new Map<string, boolean>([['/', false], ['/system', true], ['/vendor', true], ['/data', false], ['/storage/emulated', false], ['/sdcard', false], ['/apex/com.android.conscrypt', true]]);

/** Lays out Android's directories, partitions and CA stores. */
export function layoutFileSystem(fs: VirtualFileSystem, profile: Profile, buildProp: string): void {
  const dir = (path: string, mode: number, uid: number = AID.root, gid: number = uid) => {
    fs.mkdir(path, ROOT, { parents: true, mode });
    fs.chmod(path, mode);
    fs.chown(path, uid, gid);
  };
  const partition = (target: string, source: string, fstype: string) => {
    dir(target, 0o755);
    fs.mount({ source, target, fstype, boot: true, options: 'rw,seclabel,relatime' });
    const root = fs.mountRoot(target)!;
    root.mode = 0o755;
  };
  for (const d of ['/dev', '/proc', '/sys', '/mnt', '/apex', '/storage', '/config', '/cache', '/odm', '/product']) dir(d, 0o755);
  fs.writeFile('/dev/null', Buffer.alloc(0), ROOT, { mode: 0o666 });
  fs.writeFile('/default.prop', Buffer.from('ro.secure=1\nro.adb.secure=1\n'), ROOT, { mode: 0o600 });

  partition('/system', '/dev/block/dm-0', 'ext4');
  for (const d of ['/system/bin', '/system/xbin', '/system/app', '/system/priv-app', '/system/framework', '/system/etc/security']) dir(d, 0o755);
  dir(SYSTEM_CA_DIR, 0o755);
  // ~140 real roots named <subject_hash_old>.<n> (systemCaStore.ts), as AOSP system/ca-certificates ships them.
  const certs = systemCaRoots();
  for (const cert of certs) fs.writeFile(`${SYSTEM_CA_DIR}/${cert.name}`, cert.pem, ROOT, { mode: 0o644 });
  fs.writeFile('/system/build.prop', Buffer.from(buildProp), ROOT, { mode: 0o600 });
  partition('/vendor', '/dev/block/dm-1', 'ext4');
  dir('/vendor/etc', 0o755);

  partition('/data', '/dev/block/dm-5', 'ext4');
  const data = fs.mountRoot('/data')!;
  data.mode = 0o771;
  data.uid = AID.system;
  data.gid = AID.system;
  dir('/data/local', 0o751);
  dir('/data/local/tmp', 0o771, AID.shell, AID.shell);
  dir('/data/app', 0o771, AID.system, AID.system);
  dir('/data/data', 0o771, AID.system, AID.system);
  dir('/data/system', 0o775, AID.system, AID.system);
  dir('/data/misc', 0o1771, AID.system, AID.misc);
  dir('/data/misc/adb', 0o2750, AID.system, AID.shell);
  dir('/data/misc/user', 0o711);
  dir('/data/misc/user/0', 0o771, AID.system, AID.system);
  dir(USER_CA_DIR, 0o755, AID.system, AID.system);
  // A Second space user's folder; its cacerts-added exists only once a CA was installed for it
  // (real-device-notes row 13, unverified).
  const current = profile.device.currentUser ?? 0;
  if (current !== 0) dir(`/data/misc/user/${current}`, 0o771, AID.system, AID.system);
  dir('/data/media/0', 0o770, AID.root, AID.everybody);

  dir('/storage/emulated', 0o771, AID.root, AID.everybody);
  fs.mount({ source: '/data/media', target: '/storage/emulated', fstype: 'sdcardfs', bind: true, boot: true, options: 'rw,nosuid,nodev,noexec,noatime' });
  for (const d of ['Download', 'DCIM', 'Pictures', 'Music', 'Movies', 'Android', 'Documents']) dir(`/storage/emulated/0/${d}`, 0o770, AID.root, AID.everybody);
  dir('/sdcard', 0o770, AID.root, AID.everybody);
  fs.mount({ source: '/storage/emulated/0', target: '/sdcard', fstype: 'sdcardfs', bind: true, boot: true, options: 'rw,nosuid,nodev,noexec,noatime' });

  const caLabel = profile.device.caStoreLabel;
  if (caLabel && profile.device.sdk < 34) {
    fs.setLabel(SYSTEM_CA_DIR, caLabel);
    for (const cert of certs) fs.setLabel(`${SYSTEM_CA_DIR}/${cert.name}`, caLabel);
  }
  if (profile.device.sdk >= 34) {
    // Android 14 reads system CAs from the Conscrypt APEX, so /system/etc/security/cacerts no longer counts.
    dir('/apex/com.android.conscrypt', 0o755);
    fs.mount({ source: '/dev/block/loop3', target: '/apex/com.android.conscrypt', fstype: 'ext4', boot: true, options: 'rw,nodev,noatime' });
    fs.mountRoot('/apex/com.android.conscrypt')!.mode = 0o755;
    dir(APEX_CA_DIR, 0o755);
    for (const cert of certs) fs.writeFile(`${APEX_CA_DIR}/${cert.name}`, cert.pem, ROOT, { mode: 0o644 });
    if (caLabel) {
      fs.setLabel(APEX_CA_DIR, caLabel);
      for (const cert of certs) fs.setLabel(`${APEX_CA_DIR}/${cert.name}`, caLabel);
    }
    fs.remount('/apex/com.android.conscrypt', true);
  }
  fs.remount('/system', true);
  fs.remount('/vendor', true);
}
