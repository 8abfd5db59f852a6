import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { spkiFingerprint } from '../../harness/device/provision/chromeFlagsStep.js';
import { NetError } from '../../sim/net/index.js';
import { handshake, spkiHash } from '../../sim/net/tlsHandshake.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { Profile } from '../../sim/profile.js';
import { sh } from './android-support.js';
import { phoneWithApps, startApp } from './android-support-apps.js';
import { TestCA } from './net-testProxy.js';

const MINT = 'com.mi.globalbrowser.mini';
const MI_PRO = 'com.mi.globalbrowser';
const FLAG = '--ignore-certificate-errors-spki-list=AAAAspkiOfTheCaAAAA=';

function phone(name: string, tweak?: (p: Profile) => void) {
  const profile = loadProfile(name);
  tweak?.(profile);
  return phoneWithApps(profile);
}

/** Writes a command-line file as root, labelled as HTTP Toolkit labels it unless told otherwise. */
async function writeFlags(p: ReturnType<typeof phone>, file: string, label = 'u:object_r:shell_data_file:s0'): Promise<void> {
  await sh(p.device, `echo 'chrome ${FLAG}' > ${file} && chmod 744 ${file} && chcon ${label} ${file}`, { root: true });
}

describe('sim: a Chromium-based browser reads chrome-command-line only where Chromium\'s CommandLineInitUtil would', () => {
  it('user build (Magisk): /data/local/tmp is ignored unless the app is the debug app; /data/local is read when apps may read it', async () => {
    const p = phone('magisk-rooted-retail');
    try {
      await writeFlags(p, '/data/local/tmp/chrome-command-line');
      expect(p.device.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([]);
      await sh(p.device, `settings put global debug_app ${MINT}`, { root: true });
      expect(p.device.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([FLAG]);
      await sh(p.device, 'settings delete global debug_app', { root: true });
      // /data/local (root only to write): left with the folder's system_data_file label, apps cannot read it.
      await sh(p.device, `echo 'chrome ${FLAG}' > /data/local/chrome-command-line && chmod 744 /data/local/chrome-command-line`, { root: true });
      expect(p.device.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([]);
      await writeFlags(p, '/data/local/chrome-command-line');
      expect(p.device.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([FLAG]);
    } finally {
      await p.close();
    }
  });

  it('userdebug build (AOSP emulator): /data/local/tmp is read (BuildInfo.isDebugAndroid)', async () => {
    const p = phone('rooted-emulator');
    try {
      await writeFlags(p, '/data/local/tmp/chrome-command-line');
      expect(p.device.chromiumCommandLine('chrome-command-line', MINT)).to.deep.equal([FLAG]);
    } finally {
      await p.close();
    }
  });

  it('read once at process start, by Mint (a Chromium fork) and not by Mi Browser Pro', async () => {
    const p = phone('magisk-rooted-retail');
    try {
      await writeFlags(p, '/data/local/chrome-command-line');
      await startApp(p, MINT);
      await startApp(p, MI_PRO);
      expect(p.runtime.app(MINT)?.ignoreCertErrorsSpki).to.deep.equal(['AAAAspkiOfTheCaAAAA=']);
      expect(p.runtime.app(MI_PRO)?.ignoreCertErrorsSpki).to.deep.equal([]);
      // Removed while Mint runs: it keeps what it read until it restarts.
      await sh(p.device, 'rm /data/local/chrome-command-line', { root: true });
      expect(p.runtime.app(MINT)?.ignoreCertErrorsSpki).to.deep.equal(['AAAAspkiOfTheCaAAAA=']);
      await sh(p.device, `am force-stop ${MINT}`);
      await startApp(p, MINT);
      expect(p.runtime.app(MINT)?.ignoreCertErrorsSpki).to.deep.equal([]);
    } finally {
      await p.close();
    }
  });
});

describe('sim/net: --ignore-certificate-errors-spki-list lifts certificate errors for chains holding that key only', function () {
  this.timeout(20_000);
  const ca = new TestCA('spki');
  let server: tls.Server;
  let port: number;
  before(async () => {
    ca.contextFor('shop.example');
    const base = path.join(ca.dir, 'shop.example');
    // The server sends its chain (leaf and CA), as an intercepting proxy does.
    server = tls.createServer({ key: readFileSync(`${base}.key`), cert: readFileSync(`${base}.pem`, 'utf8') + ca.certPem }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    ca.remove();
  });
  const connect = (spki: string[]) => {
    const socket = net.connect(port, '127.0.0.1');
    return handshake(socket, 'shop.example', [], 5000, spki);
  };
  const caSpki = () => spkiHash(Buffer.from(ca.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

  it('untrusted CA: refused without the flag and with another key; accepted with the CA\'s key', async () => {
    const refused = await connect([]).then(() => null, (e: unknown) => e);
    expect(refused).to.be.instanceOf(NetError);
    expect((refused as NetError).kind).to.equal('tls-untrusted');
    const otherKey = await connect(['pDqH0rbsmyQdMB4dvSlrcQ59ALclfvMcDbOMOA4xVg0=']).then(() => null, (e: unknown) => e);
    expect((otherKey as NetError).kind).to.equal('tls-untrusted');
    const accepted = await connect([caSpki()]);
    expect(accepted.encrypted).to.equal(true);
    accepted.destroy();
  });

  it('the SPKI form is the one Chromium documents (openssl pkey -pubin -outform der | dgst -sha256 | base64), as the harness writes it', () => {
    const pubkey = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', path.join(ca.dir, 'ca.pem')]);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubkey });
    const expected = createHash('sha256').update(der).digest('base64');
    expect(caSpki()).to.equal(expected);
    expect(spkiFingerprint(ca.certPem)).to.equal(expected);
  });
});
