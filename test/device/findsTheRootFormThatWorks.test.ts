import { expect } from 'chai';
import { detectRoot, runRootScript, wrapArgv, asRoot } from '../../harness/device/rootAccess.js';
import { PhoneLab } from './phoneFixture.js';

describe('device: root — the form that prints uid=0(root) is found, kept and used', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  before(() => lab.start());
  after(() => lab.stop());

  it('writes each of HTTP Toolkit\'s su forms (and Magisk\'s --mount-master) as the phone\'s sh must receive it', () => {
    const argv = ['sh', '-c', 'id && echo ok'];
    expect(wrapArgv('shell', argv)).to.equal("sh -c 'id && echo ok'");
    expect(wrapArgv('su-c', argv)).to.equal(`su -c 'sh -c '\\''id && echo ok'\\'''`);
    expect(wrapArgv('su-c-args', argv)).to.equal("su -c sh -c 'id && echo ok'");
    expect(wrapArgv('su-root', argv)).to.equal("su root sh -c 'id && echo ok'");
    expect(wrapArgv('su-root-joined', argv)).to.equal(`su root 'sh -c '\\''id && echo ok'\\'''`);
    expect(wrapArgv('su-mount-master', argv)).to.equal(`su --mount-master -c 'sh -c '\\''id && echo ok'\\'''`);
    expect(asRoot(undefined, 'id')).to.equal('id');
  });

  for (const [profile, su] of [['redmi-note-8-2020', undefined], ['redmi-note-8-2020', 'aosp'], ['redmi-note-8-2020', 'magisk']] as const) {
    it(`${profile}${su ? ` with ${su} su` : ''}: the detected form really runs commands as root`, async () => {
      const phone = await lab.phone(profile, su ? (p) => { (p.device as { su?: string }).su = su; } : undefined);
      const session = await lab.session(phone);
      const root = await detectRoot(session.adb, await session.adb.getProperties());
      expect(root.method, root.detail).to.equal('su');
      expect(root.form).to.be.a('string');
      if (su === 'aosp') expect(root.form).to.match(/^su-root/); // AOSP su rejects -c: "su: invalid uid/gid '-c'"
      if (su === 'magisk' || root.suVersion) expect(root.form).to.equal('su-mount-master');
      expect(await session.adb.shell(asRoot(root.form, 'id -u && cat /proc/mounts | wc -l'))).to.match(/^0\n\d+\n$/);
    });
  }

  it('a debuggable emulator build: adb root is the method (tried first), nothing changed by detecting it', async () => {
    const phone = await lab.phone('rooted-emulator');
    const session = await lab.session(phone);
    const props = await session.adb.getProperties();
    expect(props['ro.debuggable']).to.equal('1');
    const root = await detectRoot(session.adb, props);
    expect(root.method).to.equal('adb-root');
    expect((await session.adb.shell('id')).trim()).to.match(/^uid=2000\(shell\)/);
  });

  it('root steps run as one script with a sentinel: a failing step stops the rest and is named with its error', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone);
    const root = await detectRoot(session.adb, await session.adb.getProperties());
    const out = await runRootScript(session.adb, root.form, 'test', ['mkdir -p /data/local/tmp/ph-a', 'echo made']);
    expect(out).to.include('made');
    const error = await runRootScript(session.adb, root.form, 'CA (example)', ['cp /nonexistent/x /data/local/tmp/ph-a/', 'touch /data/local/tmp/ph-a/after'])
      .then(() => null, (e: Error) => e);
    expect(error?.message).to.match(/^CA \(example\) step failed on 127\.0\.0\.1:\d+: .*nonexistent/);
    expect((await session.adb.shell(asRoot(root.form, 'ls /data/local/tmp/ph-a'))).trim()).to.equal('');
  });
});
