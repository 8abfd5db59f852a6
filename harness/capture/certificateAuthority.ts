import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';
import { makeFolder } from './makeFolder.js';

/** The per-install CA the sidecar signs its per-host certificates with. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/** Where phonehome keeps per-install state: $PHONEHOME_HOME, else $XDG_CONFIG_HOME/phonehome, else ~/.config/phonehome. */
export function phonehomeHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PHONEHOME_HOME) return path.resolve(env.PHONEHOME_HOME);
  if (env.XDG_CONFIG_HOME) return path.join(path.resolve(env.XDG_CONFIG_HOME), 'phonehome');
  return path.join(homedir(), '.config', 'phonehome');
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads the CA from `home`, generating it on first use. The key must be mode 0600: a key that
 * others could read may have been copied, and anyone holding it can intercept the provisioned
 * phones, so a too-open key is refused (with the fix) rather than silently tightened.
 */
export async function loadOrCreateCa(home: string = phonehomeHome()): Promise<CertificateAuthority> {
  const certPath = path.join(home, CA_CERT_FILE);
  const keyPath = path.join(home, CA_KEY_FILE);
  if (!exists(certPath) && !exists(keyPath)) await generateCa(home, certPath, keyPath);
  // Another process may be between writing the key and the certificate; give it a moment.
  for (let i = 0; i < 20 && exists(keyPath) && !exists(certPath); i++) await new Promise((r) => setTimeout(r, 100));
  return loadCa(certPath, keyPath);
}

export function loadCa(certPath: string, keyPath: string): CertificateAuthority {
  const fixAll = `delete ${certPath} and ${keyPath} to generate a new CA (phones that trusted the old one must be provisioned again)`;
  if (!exists(keyPath)) throw new PhonehomeError(`CA key ${keyPath} is missing while ${certPath} exists; restore it, or ${fixAll}`);
  if (!exists(certPath)) throw new PhonehomeError(`CA certificate ${certPath} is missing while ${keyPath} exists; restore it, or ${fixAll}`);
  const mode = statSync(keyPath).mode & 0o777;
  if (mode & 0o077) {
    throw new PhonehomeError(
      `CA key ${keyPath} has mode ${mode.toString(8).padStart(4, '0')}, readable by other users; run 'chmod 600 ${keyPath}' (or, if others may have copied it, ${fixAll})`,
    );
  }
  const certPem = readFileSync(certPath, 'utf8');
  const keyPem = readFileSync(keyPath, 'utf8');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw new PhonehomeError(`CA certificate ${certPath} is corrupted (${(error as Error).message}); ${fixAll}`);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new PhonehomeError(`CA key ${keyPath} is corrupted (${(error as Error).message.split('\n')[0]}); ${fixAll}`);
  }
  if (!cert.checkPrivateKey(key)) throw new PhonehomeError(`CA key ${keyPath} does not belong to ${certPath}; ${fixAll}`);
  if (!cert.ca) throw new PhonehomeError(`${certPath} is not a CA certificate; ${fixAll}`);
  if (Date.parse(cert.validTo) < Date.now()) throw new PhonehomeError(`CA certificate ${certPath} expired on ${cert.validTo}; ${fixAll}`);
  return { certPem, keyPem, certPath, keyPath };
}

async function generateCa(home: string, certPath: string, keyPath: string): Promise<void> {
  try {
    makeFolder(home);
    chmodSync(home, 0o700);
  } catch (error) {
    throw new PhonehomeError(`cannot create ${home} for the CA: ${(error as NodeJS.ErrnoException).code} (set PHONEHOME_HOME to a writable folder)`);
  }
  // mockttp is heavy; load it only when a CA has to be made.
  const { generateCACertificate } = await import('mockttp');
  const { cert, key } = await generateCACertificate({
    subject: { commonName: `phonehome capture CA (${hostname()})`, organizationName: 'phonehome', countryName: 'XX' },
    bits: 2048,
  });
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  try {
    writeFileSync(tmpKey, key, { mode: 0o600 });
    chmodSync(tmpKey, 0o600); // the umask may have cleared bits, never added; be explicit anyway
    writeFileSync(tmpCert, cert, { mode: 0o644 });
    try {
      // link() fails if the key exists: when two processes race, the first one's CA wins.
      linkSync(tmpKey, keyPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw error;
    }
    renameSync(tmpCert, certPath);
  } catch (error) {
    throw new PhonehomeError(`cannot write the CA into ${home}: ${(error as NodeJS.ErrnoException).code ?? error} (set PHONEHOME_HOME to a writable folder)`);
  } finally {
    for (const tmp of [tmpKey, tmpCert]) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already renamed or never written */
      }
    }
  }
}
