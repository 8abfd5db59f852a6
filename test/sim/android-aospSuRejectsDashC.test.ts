import { expect } from 'chai';
import { SimulatedPhone } from '../../sim/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { PrivateAdb } from './adbd-support/privateAdb.js';
import { newRuntimeLog, testAppRuntime } from './adbd-support/testPhones.js';

describe('sim android: an AOSP userdebug emulator has AOSP su (su [WHO [COMMAND...]]) and adb root', function () {
  this.timeout(40000);
  const adb = new PrivateAdb();
  let phone: SimulatedPhone;

  before(async () => {
    await adb.start();
    phone = new SimulatedPhone({ profile: loadProfile('rooted-emulator'), port: 0, appRuntime: testAppRuntime(newRuntimeLog()) });
    await phone.start();
    await adb.connect(phone.serial);
  });
  after(async () => {
    await adb.stop();
    await phone?.stop();
  });

  it('rejects `su -c` with AOSP su.cpp’s own message and exit status 1', async () => {
    const result = await adb.run(['-s', phone.serial, 'shell', 'su -c id']);
    expect(result.stderr).to.equal("su: invalid uid/gid '-c'\n");
    expect(result.stdout).to.equal('');
    expect(result.code).to.equal(1);
    const quoted = await adb.run(['-s', phone.serial, 'shell', "su -c 'mount -o rw,remount /system'"]);
    expect(quoted.stderr).to.equal("su: invalid uid/gid '-c'\n");
  });

  it('runs `su 0 COMMAND`, `su root COMMAND` and `su shell COMMAND` as that user, exec’ing the command without a shell', async () => {
    expect((await adb.shell(phone.serial, 'su 0 id -u')).stdout).to.equal('0\n');
    expect((await adb.shell(phone.serial, "su root sh -c 'id -un'")).stdout).to.equal('root\n');
    expect((await adb.shell(phone.serial, 'su shell id -u')).stdout).to.equal('2000\n');
    const joined = await adb.run(['-s', phone.serial, 'shell', "su 0 'id -u'"]);
    expect(joined.stderr).to.equal('su: failed to exec id -u: No such file or directory\n');
    expect(joined.code).to.equal(1);
    expect((await adb.run(['-s', phone.serial, 'shell', 'su nobody_such id'])).stderr).to.equal("su: invalid uid/gid 'nobody_such'\n");
    expect((await adb.run(['-s', phone.serial, 'shell', 'su --help'])).stderr).to.match(/^usage: su \[WHO \[COMMAND\.\.\.\]\]\n/);
  });

  it('has no Magisk flags: `su -v` and `su --mount-master -c` are not uids either', async () => {
    expect((await adb.run(['-s', phone.serial, 'shell', 'su -v'])).stderr).to.equal("su: invalid uid/gid '-v'\n");
    expect((await adb.run(['-s', phone.serial, 'shell', 'su --mount-master -c id'])).stderr).to.equal("su: invalid uid/gid '--mount-master'\n");
  });

  it('lets `adb root` restart adbd as root where ro.debuggable=1', async () => {
    expect((await adb.shell(phone.serial, 'getprop ro.debuggable')).stdout).to.equal('1\n');
    const root = await adb.run(['-s', phone.serial, 'root']);
    expect(root.stdout).to.contain('restarting adbd as root');
    await adb.connect(phone.serial);
    expect((await adb.shell(phone.serial, 'id -u')).stdout).to.equal('0\n');
    await adb.run(['-s', phone.serial, 'unroot']);
    await adb.connect(phone.serial);
  });
});

describe('sim android: which su a profile has', () => {
  it('gives user-build rooted phones Magisk’s su and unrooted phones none', async () => {
    const { AndroidDevice } = await import('../../sim/android/index.js');
    const { sh } = await import('./android-support.js');
    const magisk = new AndroidDevice(loadProfile('redmi-note-8-2020'));
    expect((await sh(magisk, 'su -v')).stdout).to.match(/^\d+(\.\d+)*:MAGISKSU\n$/);
    expect((await sh(magisk, 'su -c id -u')).stdout).to.equal('0\n');
    const retail = new AndroidDevice(loadProfile('retail-miui-android10'));
    const none = await sh(retail, 'su -c id');
    expect(none.code).to.equal(127);
    expect(none.stderr).to.equal('/system/bin/sh: su: inaccessible or not found\n');
  });
});
