import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrCreateCa, phonehomeHome } from '../../harness/capture/index.js';
import { androidSystemCertificate, subjectHashOld } from '../../harness/device/index.js';
import { main } from '../../harness/cli/main.js';
import { PhonehomeError } from '../../harness/errors.js';
import { tempDir } from './captureTestKit.js';

function run(argv: string[], env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => {
    process.env = saved;
    return { code, out, err };
  });
}

describe('the per-install capture CA', function () {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir('ca'); });
  afterEach(() => tmp.remove());

  it('lives under $PHONEHOME_HOME, else $XDG_CONFIG_HOME/phonehome, else ~/.config/phonehome', () => {
    expect(phonehomeHome({ PHONEHOME_HOME: '/x/y' })).to.equal('/x/y');
    expect(phonehomeHome({ XDG_CONFIG_HOME: '/cfg' })).to.equal('/cfg/phonehome');
    expect(phonehomeHome({})).to.match(/\.config\/phonehome$/);
  });

  it('is generated on first use with the key at mode 0600, and the same CA is loaded again', async () => {
    const first = await loadOrCreateCa(tmp.dir);
    expect(statSync(first.keyPath).mode & 0o777).to.equal(0o600);
    expect(first.certPem).to.match(/^-----BEGIN CERTIFICATE-----/);
    const second = await loadOrCreateCa(tmp.dir);
    expect(second.certPem).to.equal(first.certPem);
  });

  it('refuses a key readable by others, saying how to fix it', async () => {
    const ca = await loadOrCreateCa(tmp.dir);
    chmodSync(ca.keyPath, 0o644);
    const error = await loadOrCreateCa(tmp.dir).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.include(`chmod 600 ${ca.keyPath}`);
  });

  it('refuses a corrupted CA file with a one-line error naming it, exit 2 from the CLI', async () => {
    const ca = await loadOrCreateCa(tmp.dir);
    writeFileSync(ca.certPath, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const r = await run(['ca'], { PHONEHOME_HOME: tmp.dir });
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(new RegExp(`CA certificate ${ca.certPath.replace(/[.]/g, '\\.')} is corrupted`));
  });

  it("names the Android system-store file by OpenSSL's subject_hash_old", async () => {
    const ca = await loadOrCreateCa(tmp.dir);
    const fromOpenssl = execFileSync('openssl', ['x509', '-noout', '-subject_hash_old', '-in', ca.certPath], { encoding: 'utf8' }).trim();
    expect(subjectHashOld(ca.certPem)).to.equal(fromOpenssl);
    // A second, independent certificate (different subject) so a constant answer cannot pass.
    const other = path.join(tmp.dir, 'other.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/C=DE/O=Other Org/CN=other test CA', '-keyout', path.join(tmp.dir, 'k.pem'), '-out', other], { stdio: 'ignore' });
    const otherPem = execFileSync('cat', [other], { encoding: 'utf8' });
    expect(subjectHashOld(otherPem)).to.equal(execFileSync('openssl', ['x509', '-noout', '-subject_hash_old', '-in', other], { encoding: 'utf8' }).trim());
    expect(subjectHashOld(otherPem)).to.not.equal(fromOpenssl);

    const r = await run(['ca', '--android'], { PHONEHOME_HOME: tmp.dir });
    expect(r.code).to.equal(0);
    expect(r.out[0]).to.equal(`${fromOpenssl}.0`);
    expect(r.out.slice(1).join('\n') + '\n').to.equal(androidSystemCertificate(ca.certPem).content);
  });

  it('prints the CA certificate PEM', async () => {
    const r = await run(['ca'], { PHONEHOME_HOME: tmp.dir });
    expect(r.code).to.equal(0);
    const ca = await loadOrCreateCa(tmp.dir);
    expect(r.out.join('\n')).to.equal(ca.certPem.replace(/\r\n/g, '\n').trimEnd());
    expect(r.out.join('\n')).to.match(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
  });
});
