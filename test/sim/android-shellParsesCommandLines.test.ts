import { expect } from 'chai';
import { AndroidDevice } from '../../sim/android/index.js';
import { sh } from './android-support.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

describe('sim android shell: command lines as mksh reads them', () => {
  const device = new AndroidDevice(testProfile());
  device.attachApps(testAppRuntime(newRuntimeLog()));

  it('handles quotes, escapes, ; && || and $?', async () => {
    expect((await sh(device, `echo 'single $HOME' "double \\"q\\" $USER" a\\ b`)).stdout).to.equal('single $HOME double "q" shell a b\n');
    expect((await sh(device, 'false && echo no || echo yes; echo $?')).stdout).to.equal('yes\n0\n');
    expect((await sh(device, 'true || echo skipped; echo done')).stdout).to.equal('done\n');
    expect((await sh(device, 'echo && echo after')).stdout).to.equal('\nafter\n');
  });

  it('applies redirections: 2>/dev/null, 2>&1, > and >>, <', async () => {
    const quiet = await sh(device, 'nosuch 2>/dev/null; echo rc=$?');
    expect(quiet).to.deep.equal({ code: 0, stdout: 'rc=127\n', stderr: '' });
    expect((await sh(device, 'nosuch 2>&1')).stdout).to.equal('/system/bin/sh: nosuch: inaccessible or not found\n');
    await sh(device, 'echo one > /data/local/tmp/f; echo two >> /data/local/tmp/f');
    expect((await sh(device, 'cat < /data/local/tmp/f')).stdout).to.equal('one\ntwo\n');
    const denied = await sh(device, 'echo x > /data/misc/user/0/cacerts-added/x.0');
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.contain('Permission denied');
  });

  it('supports export, prefix assignments, exec, pipes and if/while loops', async () => {
    expect((await sh(device, 'export ANDROID_LOG_TAGS="\'\'"; echo "[$ANDROID_LOG_TAGS]"')).stdout).to.equal("['']\n");
    expect((await sh(device, 'A=1; A=2 sh -c "echo inner"; echo $A')).stdout).to.equal('inner\n1\n');
    expect((await sh(device, 'exec echo replaced; echo never')).stdout).to.equal('replaced\n');
    expect((await sh(device, 'ps -A | grep -c com.miui.home')).stdout).to.equal('1\n');
    expect((await sh(device, 'if [ -e /sdcard ]; then echo dir; else echo none; fi')).stdout).to.equal('dir\n');
    // adbkit's waitBootComplete: the loop runs until the client, having read a `1`, hangs up.
    const boot = device.spawn('while getprop sys.boot_completed 2>/dev/null; do sleep 1; done', { uid: 2000, gids: [2000] });
    const first = await new Promise<string>((resolve) => boot.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    expect(first).to.equal('1\n');
    boot.kill();
    expect(await boot.exit).to.equal(130);
  });

  it('reports syntax errors instead of guessing', async () => {
    const broken = await sh(device, "echo 'unterminated");
    expect(broken.code).to.equal(1);
    expect(broken.stderr).to.match(/^\/system\/bin\/sh: syntax error/);
    // Arithmetic assignment is not implemented: a clear error, not a guess.
    expect((await sh(device, 'echo $((x += 2))')).stderr).to.contain('assignment in $(( … )) is not supported');
  });

  it('stops a following command (logcat, am instrument) when the host closes the stream', async () => {
    const process = device.spawn('logcat -v threadtime', { uid: 2000, gids: [2000] });
    process.stdout.resume();
    setTimeout(() => process.kill(), 100);
    expect(await process.exit).to.equal(0);
  });
});

describe('sim android shell: command substitution and for loops (what provisioning scripts use)', () => {
  it('substitutes $(…) and backticks, splits unquoted results, and loops with for … in', async () => {
    const { AndroidDevice } = await import('../../sim/android/index.js');
    const { sh } = await import('./android-support.js');
    const { testProfile } = await import('./adbd-support/testPhones.js');
    const device = new AndroidDevice(testProfile({ rootable: true, buildType: 'userdebug' }));
    expect((await sh(device, 'echo "[$(getprop ro.build.version.sdk)]"')).stdout).to.equal('[29]\n');
    expect((await sh(device, 'echo `id -u`')).stdout).to.equal('2000\n');
    expect((await sh(device, 'for P in $(pidof zygote zygote64); do echo pid=$P; done')).stdout).to.equal('pid=701\npid=700\n');
    expect((await sh(device, 'for W in a "b c" d; do echo "<$W>"; done')).stdout).to.equal('<a>\n<b c>\n<d>\n');
    expect((await sh(device, 'X=$(echo one; echo two); echo "$X"')).stdout).to.equal('one\ntwo\n');
    expect((await sh(device, 'echo "$(echo "inner quotes") and $(echo ")")"')).stdout).to.equal('inner quotes and )\n');
    expect((await sh(device, 'Y=1; Z=$(Y=2; cd /system; echo $Y); echo $Y $Z; pwd')).stdout).to.equal('1 2\n/\n');
    expect((await sh(device, 'X=$(false); echo $?')).stdout).to.equal('1\n');
    const unmatched = await sh(device, 'echo $(echo x');
    expect(unmatched.code).to.not.equal(0);
    expect(unmatched.stderr).to.contain("'$(' unmatched");
  });
});
