import { readdirSync, readFileSync } from 'node:fs';
import { pemToDer, subjectHashOld } from './certificateNames.js';

/**
 * Where the system CA store's roots come from: Debian's `ca-certificates` package (Mozilla's root
 * programme, ~140 roots, one PEM `.crt` each). A real phone's /system/etc/security/cacerts (and,
 * from Android 14, /apex/com.android.conscrypt/cacerts) holds ~130–150 roots from AOSP
 * system/ca-certificates, which AOSP also takes from Mozilla's list (its README.cacerts), so a set of
 * real roots of that size stands in; which roots a given MIUI build ships is **unverified**.
 */
export const DEBIAN_CA_DIR = '/usr/share/ca-certificates/mozilla';

export interface SystemCaRoot {
  /** `<subject_hash_old>.<n>`: n counts up from 0 when two roots share a hash, as Android names them. */
  name: string;
  /** The certificate as PEM (Android's files hold the PEM, then a text dump the sim leaves out). */
  pem: Buffer;
}

const cache = new Map<string, readonly SystemCaRoot[]>();

/**
 * The phone's stock roots, read and named once per process and shared by every simulated phone (the
 * same Buffers back each phone's files). Throws, naming the package to install, when the folder is
 * missing: a phone with a handful of roots would trust far less than a real one.
 */
export function systemCaRoots(dir: string = DEBIAN_CA_DIR): readonly SystemCaRoot[] {
  const known = cache.get(dir);
  if (known) return known;
  let files: string[];
  try {
    files = readdirSync(dir).filter((n) => n.endsWith('.crt')).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) throw new Error(`simulated phone: no CA roots in ${dir} to build the system CA store from; install Debian's ca-certificates package (apt-get install ca-certificates)`);
  const roots: SystemCaRoot[] = [];
  const used = new Set<string>();
  for (const file of files) {
    const pem = readFileSync(`${dir}/${file}`);
    const der = pemToDer(pem.toString('utf8'));
    if (!der) continue;
    // libcore TrustedCertificateStore / AOSP's store: a second root with the same hash takes `.1`, …
    const hash = subjectHashOld(der);
    let n = 0;
    while (used.has(`${hash}.${n}`)) n++;
    used.add(`${hash}.${n}`);
    roots.push({ name: `${hash}.${n}`, pem });
  }
  roots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  cache.set(dir, roots);
  return roots;
}
