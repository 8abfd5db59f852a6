import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { AndroidDevice, ROOT } from '../../sim/android/index.js';
import { DEBIAN_CA_DIR, systemCaRoots } from '../../sim/android/systemCaStore.js';
import { NetError } from '../../sim/net/index.js';
import { handshake } from '../../sim/net/tlsHandshake.js';
import { trustedCAs } from '../../sim/net/trustStore.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { sh } from './android-support.js';
import { phoneWithApps, startApp } from './android-support-apps.js';
import { TestCA } from './net-testProxy.js';

const STORE = '/system/etc/security/cacerts';
const APEX = '/apex/com.android.conscrypt/cacerts';
const PRO = 'com.mi.globalbrowser';

/** hash prefix → the PEMs OpenSSL itself files under it (`openssl rehash -old`: subject_hash_old, the name Android uses). */
function opensslOldHashes(): Map<string, Set<string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-rehash-'));
  try {
    for (const name of fs.readdirSync(DEBIAN_CA_DIR).filter((n) => n.endsWith('.crt'))) fs.copyFileSync(path.join(DEBIAN_CA_DIR, name), path.join(dir, name));
    execFileSync('openssl', ['rehash', '-old', dir], { stdio: 'ignore' });
    const out = new Map<string, Set<string>>();
    for (const link of fs.readdirSync(dir).filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n))) {
      const hash = link.split('.')[0]!;
      const set = out.get(hash) ?? new Set<string>();
      set.add(normalizePem(fs.readFileSync(path.join(dir, link), 'utf8')));
      out.set(hash, set);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function normalizePem(text: string): string {
  return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)![0].replace(/\s+/g, '');
}

/** A local TLS server presenting `context`'s chain; the simulated app's handshake with it, over a plain socket. */
async function appHandshake(context: tls.SecureContext, cas: string[], host: string): Promise<'trusted' | string> {
  // tls.Server takes a ready context only through SNI (the client sends the host name).
  const server = tls.createServer({ SNICallback: (_name, done) => done(null, context) });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const secure = await handshake(socket, host, cas, 5000);
    secure.destroy();
    return 'trusted';
  } catch (error) {
    return error instanceof NetError ? (error.kind === 'tls-failed' ? error.message : error.kind) : String(error);
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A root with `subject` (its own key) and a leaf for `host` it signed, made by openssl. */
function impostorChain(subject: string, host: string): { context: tls.SecureContext; caName: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonehome-impostor-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    // PrintableString where it fits (string_mask nombstr), as the real roots encode their names, so the DER and its hash match.
    fs.writeFileSync(path.join(dir, 'req.cnf'), '[req]\ndistinguished_name=dn\nstring_mask=nombstr\n[dn]\n');
    run('req', '-config', 'req.cnf', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', 'ca.key', '-out', 'ca.pem');
    fs.writeFileSync(path.join(dir, 'leaf.ext'), `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${host}`, '-keyout', 'leaf.key', '-out', 'leaf.csr');
    run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
    const caName = run('x509', '-in', 'ca.pem', '-noout', '-subject_hash_old').trim();
    const chain = Buffer.concat([fs.readFileSync(path.join(dir, 'leaf.pem')), fs.readFileSync(path.join(dir, 'ca.pem'))]);
    return { context: tls.createSecureContext({ key: fs.readFileSync(path.join(dir, 'leaf.key')), cert: chain }), caName };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('sim android: the system CA store holds ~140 real roots named as Android names them', function () {
  this.timeout(60_000);
  const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
  let ca: TestCA | undefined;
  after(async () => {
    ca?.remove();
    await phone.close();
  });

  it('lists the real roots in /system/etc/security/cacerts as <subject_hash_old>.<n>, each name what OpenSSL computes', async () => {
    const names = (await sh(phone.device, `ls ${STORE}`)).stdout.trim().split('\n');
    // A real phone's store holds ~130–150 roots (AOSP system/ca-certificates).
    expect(names.length).to.be.within(120, 170);
    expect(names.every((n) => /^[0-9a-f]{8}\.\d+$/.test(n)), names.join(' ')).to.equal(true);
    const reference = opensslOldHashes();
    const seen = new Map<string, Set<string>>();
    for (const name of names) {
      const pem = normalizePem((await sh(phone.device, `cat ${STORE}/${name}`)).stdout);
      const hash = name.split('.')[0]!;
      seen.set(hash, (seen.get(hash) ?? new Set<string>()).add(pem));
    }
    expect([...seen.keys()].sort()).to.deep.equal([...reference.keys()].sort());
    for (const [hash, pems] of reference) expect([...seen.get(hash)!].sort(), hash).to.deep.equal([...pems].sort());
    // Two roots sharing a hash: the second is `.1`, as in AOSP's store.
    const shared = [...reference].filter(([, pems]) => pems.size > 1).map(([hash]) => hash);
    for (const hash of shared) expect(names).to.include.members([`${hash}.0`, `${hash}.1`]);
    expect((await sh(phone.device, `ls -l ${STORE}/${names[0]}`)).stdout).to.match(/^-rw-r--r-- +1 root +root /);
  });

  it('an app trusts a chain under a root in the store and refuses one whose root is not there, even under a real root\'s name', async () => {
    const pid = await startApp(phone, PRO);
    const stock = trustedCAs(phone.device, false, pid);
    expect(stock).to.have.length(systemCaRoots().length);
    ca = new TestCA('store');
    const leaf = ca.contextFor('sa.api.intl.miui.com');
    // Not in the store: refused.
    expect(await appHandshake(leaf, stock, 'sa.api.intl.miui.com')).to.equal('tls-untrusted');

    // An impostor root carrying ISRG Root X1's subject (so the same <subject_hash_old> file name), another key: refused.
    const isrg = systemCaRoots().find((r) => r.pem.toString().includes('MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAw'));
    expect(isrg?.name, 'ISRG Root X1 is among the roots').to.equal('6187b673.0');
    const impostor = impostorChain('/C=US/O=Internet Security Research Group/CN=ISRG Root X1', 'sa.api.intl.miui.com');
    expect(impostor.caName).to.equal('6187b673');
    expect(await appHandshake(impostor.context, stock, 'sa.api.intl.miui.com')).to.equal('tls-untrusted');

    // Our CA added to the store beside the stock roots (the system partition remounted by root): trusted.
    await sh(phone.device, 'remount', { root: true });
    phone.device.writeFile(`${STORE}/0badca11.0`, Buffer.from(ca.certPem), ROOT);
    const withOurs = trustedCAs(phone.device, false, pid);
    expect(withOurs).to.have.length(systemCaRoots().length + 1);
    expect(await appHandshake(leaf, withOurs, 'sa.api.intl.miui.com')).to.equal('trusted');
    // The stock roots are still read from the phone: dropping ours refuses again.
    expect(await appHandshake(leaf, stock, 'sa.api.intl.miui.com')).to.equal('tls-untrusted');
  });

  it('Android 14: the same roots in the Conscrypt APEX store, labelled as the ROM labels it', async () => {
    const android14 = new AndroidDevice(loadProfile('aosp-emulator-android14'));
    try {
      const apex = (await sh(android14, `ls ${APEX}`)).stdout.trim().split('\n');
      expect(apex).to.deep.equal(systemCaRoots().map((r) => r.name));
      expect((await sh(android14, `ls -Z ${APEX}/${apex[0]}`)).stdout).to.equal(`u:object_r:system_security_cacerts_file:s0 ${APEX}/${apex[0]}\n`);
      expect(android14.caCertificates('system')).to.have.length(apex.length);
    } finally {
      android14.shutdown();
    }
  });

  it('reads the roots once per process: every phone shares the same parsed list', () => {
    expect(systemCaRoots()).to.equal(systemCaRoots());
  });

  it('refuses to build a phone store from a folder with no roots, naming the package to install', () => {
    expect(() => systemCaRoots('/nonexistent/ca-folder')).to.throw(/no CA roots in \/nonexistent\/ca-folder .*install Debian's ca-certificates package/);
  });
});
