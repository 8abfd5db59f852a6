import { expect } from 'chai';
import { parsePingAddress } from '../../harness/device/index.js';
import { PhoneLab } from './phoneFixture.js';

/**
 * With the capture answering as a sink, no connection names the vendor's server: the harness asks
 * the phone's own resolver (`ping -c 1`, whose first line names the address), through real adb.
 */
describe('the phone’s resolver names where its traffic went', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  before(async () => lab.start());
  after(async () => lab.stop());

  it('resolves the vendor hosts the profile’s DNS knows, and leaves out hosts that do not resolve', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    const session = await lab.session(phone);
    const addresses = await session.resolveHosts(['sa.api.intl.miui.com', 'DATA.mistat.intl.xiaomi.com', 'nowhere.example', '127.0.0.1', 'bad host;reboot']);
    expect(Object.fromEntries(addresses)).to.deep.equal({ 'sa.api.intl.miui.com': '161.117.71.32', 'data.mistat.intl.xiaomi.com': '161.117.97.133' });
  });

  it('answers ping as iputils does: the address first, then no reply (the simulated network routes no ICMP)', async () => {
    const phone = await lab.phone('redmi-note-8-2020');
    await lab.session(phone);
    const device = lab.client.device(phone.serial);
    const out = await device.shell('ping -c 1 -W 1 sa.api.intl.miui.com; echo "exit $?"');
    expect(out).to.match(/^PING sa\.api\.intl\.miui\.com \(161\.117\.71\.32\) 56\(84\) bytes of data\.\n/);
    expect(out).to.match(/1 packets transmitted, 0 received, 100% packet loss/);
    expect(out).to.match(/exit 1\n$/);
    expect(await device.shell('ping -c 1 nowhere.example 2>&1; echo "exit $?"')).to.equal('ping: unknown host nowhere.example\nexit 2\n');
    // The clean control declares no vendor addresses: nothing to resolve.
    const control = await lab.phone('clean-control');
    await lab.session(control);
    expect(await lab.client.device(control.serial).shell('ping -c 1 sa.api.intl.miui.com 2>&1; echo "exit $?"')).to.equal('ping: unknown host sa.api.intl.miui.com\nexit 2\n');
  });

  it('reads only a PING line for the host asked about', () => {
    expect(parsePingAddress('PING a.example (10.1.2.3) 56(84) bytes of data.\n', 'a.example')).to.equal('10.1.2.3');
    expect(parsePingAddress('PING b.example (10.1.2.3) 56(84) bytes of data.\n', 'a.example')).to.equal(undefined);
    expect(parsePingAddress('ping: unknown host a.example\n', 'a.example')).to.equal(undefined);
    expect(parsePingAddress('PING a.example (not-an-ip) 56(84)\n', 'a.example')).to.equal(undefined);
  });
});
