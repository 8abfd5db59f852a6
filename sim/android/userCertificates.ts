import { FsError, type Credentials, type VirtualFileSystem } from './fileSystem.js';
import { AID, userCaDir } from './fileSystemLayout.js';
import { pemToDer, subjectHashOld } from './certificateNames.js';

export { pemToDer, subjectHashOld };

/** system_server's identity: the user CA store is written by it (libcore TrustedCertificateStore). */
const SYSTEM: Credentials = { uid: AID.system, gids: [AID.system] };

/**
 * What Settings' credential storage does once the user confirms a CA in the certificate
 * installer: libcore's TrustedCertificateStore.installCertificate writes the certificate as
 * `<subject_hash_old>.<n>` into the user's /data/misc/user/N/cacerts-added (created when missing,
 * world-readable) as system, the files taking the folder's file_contexts label
 * (misc_user_data_file). Returns the file name; the same certificate twice keeps its file.
 */
export function installUserCaCertificate(files: VirtualFileSystem, user: number, pem: string): string {
  const der = pemToDer(pem);
  if (!der) throw new FsError('EINVAL', 'not a certificate');
  const dir = userCaDir(user);
  if (!files.exists(dir, SYSTEM)) files.mkdir(dir, SYSTEM, { mode: 0o755 });
  const hash = subjectHashOld(der);
  const normalized = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  for (let n = 0; n < 10; n++) {
    const path = `${dir}/${hash}.${n}`;
    if (!files.exists(path, SYSTEM)) {
      files.writeFile(path, Buffer.from(normalized), SYSTEM, { mode: 0o644 });
      return `${hash}.${n}`;
    }
    const existing = pemToDer(files.readFile(path, SYSTEM).toString('utf8'));
    if (existing && existing.equals(der)) return `${hash}.${n}`;
  }
  throw new FsError('EEXIST', `${dir}/${hash}.9`);
}
