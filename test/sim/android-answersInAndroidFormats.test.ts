import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { AndroidDevice } from '../../sim/android/index.js';
import { systemCaRoots } from '../../sim/android/systemCaStore.js';
import { wifiMacState } from '../../sim/android/wifiMac.js';
import { sh } from './android-support.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

/** The stock roots every phone's system store holds (Debian's ca-certificates, sim/android/systemCaStore.ts). */
const STOCK = systemCaRoots().length;

// appium-android-driver's getFocusedPackageAndActivity regexes (app-commands.ts).
const FOCUSED_APP = /^\s*mFocusedApp.+Record\{.*\s([^\s/}]+)\/([^\s/},]+),?(\s[^\s/}]+)*\}/m;
const CURRENT_FOCUS = /^\s*mCurrentFocus.+\{.+\s([^\s/]+)\/([^\s]+)\b/m;

describe('sim android: commands answer in Android’s own formats', () => {
  const log = newRuntimeLog();
  const device = new AndroidDevice(testProfile({ rootable: true, buildType: 'userdebug' }));
  device.attachApps(testAppRuntime(log));

  it('answers every adb command of the stock UiAutomator2 driver session', async () => {
    expect((await sh(device, 'getprop ro.build.version.sdk')).stdout).to.equal('29\n');
    expect((await sh(device, 'getprop ro.build.version.release')).stdout).to.equal('10\n');
    const policy = await sh(device, 'settings put global hidden_api_policy_pre_p_apps 1;settings put global hidden_api_policy_p_apps 1;settings put global hidden_api_policy 1');
    expect(policy.code).to.equal(0);
    expect(device.setting('global', 'hidden_api_policy')).to.equal('1');
    expect((await sh(device, 'appops set io.appium.uiautomator2.server.test android:mock_location allow')).code).to.equal(0);
    expect((await sh(device, "[ -e '/data/local/tmp/mock_apps.json' ] && echo __PASS__")).stdout).to.equal('');
    expect((await sh(device, "mkdir -p -- '/data/local/tmp'")).code).to.equal(0);
    expect((await sh(device, 'am force-stop io.appium.uiautomator2.server')).code).to.equal(0);
    expect((await sh(device, 'ps --help')).stdout).to.match(/^-A\b/m);
    const ps = await sh(device, 'ps -A');
    const [header, ...rows] = ps.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).to.include.members(['USER', 'PID', 'NAME']);
    expect(rows.some((r) => r.endsWith(' com.miui.home'))).to.equal(true);

    const start = await sh(device, 'am start-activity -W -n com.example.browser/.MainActivity -S -a android.intent.action.MAIN -c android.intent.category.LAUNCHER -f 0x10200000');
    expect(start.stdout).to.equal(
      'Starting: Intent { act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x10200000 cmp=com.example.browser/.MainActivity }\n' +
        'Status: ok\nLaunchState: COLD\nActivity: com.example.browser/com.example.browser.MainActivity\nTotalTime: 42\nWaitTime: 42\nComplete\n',
    );
    const missing = await sh(device, 'am start -n com.example.browser/.Nope -W');
    expect(missing.stderr).to.contain('Error: Activity class {com.example.browser/com.example.browser.Nope} does not exist.');

    const displays = (await sh(device, 'dumpsys window displays')).stdout;
    expect(FOCUSED_APP.exec(displays)?.slice(1, 3)).to.deep.equal(['com.example.browser', 'com.example.browser.MainActivity']);
    expect(CURRENT_FOCUS.exec(displays)?.slice(1, 3)).to.deep.equal(['com.example.browser', 'com.example.browser.MainActivity']);
    expect(displays).to.match(/init=1080x2340 440dpi cur=1080x2340/);
    const window = (await sh(device, 'dumpsys window')).stdout;
    expect(window).to.contain('mScreenOnFully=true');
    expect(window).not.to.match(/mShowingLockscreen=true|mDreamingLockscreen=true/);
    expect((await sh(device, 'dumpsys power')).stdout).to.match(/^ {2}mWakefulness=Awake$/m);
    expect((await sh(device, 'dumpsys activity services io.appium.settings/.recorder.RecorderService')).code).to.equal(0);
    expect((await sh(device, 'wm size; wm density')).stdout).to.equal('Physical size: 1080x2340\nPhysical density: 440\n');
    expect((await sh(device, 'settings delete global hidden_api_policy; settings get global hidden_api_policy')).stdout).to.equal('Deleted 1 rows\nnull\n');
  });

  it('prints the IMEI and phone number of `service call iphonesubinfo` as a Parcel dump', async () => {
    expect((await sh(device, 'service call iphonesubinfo 1')).stdout).to.equal(
      'Result: Parcel(\n' +
        "  0x00000000: 00000000 0000000f 00360038 00350039 '........8.6.9.5.'\n" +
        "  0x00000010: 00320031 00340030 00380033 00310037 '1.2.0.4.3.8.7.1.'\n" +
        "  0x00000020: 00330032 00000039                   '2.3.9...        ')\n",
    );
    const number = (await sh(device, 'service call iphonesubinfo 13')).stdout;
    const decoded = [...number.matchAll(/'([^']*)'/g)].map((m) => m[1]).join('').replace(/\./g, '');
    expect(decoded.trim()).to.equal('+447700900123');
    expect((await sh(device, 'service call iphonesubinfo 2')).stdout).to.equal("Result: Parcel(00000000 ffffffff   '........')\n");
  });

  it('shows the Wi-Fi MAC wlan0 carries where the kernel does, in lower case (Android 10+: the network\'s randomised one)', async () => {
    const run = await sh(device, 'cat /sys/class/net/wlan0/address');
    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(wifiMacState(device.profile).current + '\n');
  });

  it('lists packages and getprop in the formats adbkit parses', async () => {
    const props = (await sh(device, 'getprop')).stdout;
    expect(props).to.match(/^\[ro\.product\.model\]: \[Redmi Note 8\]$/m);
    expect(props).to.match(/^\[ro\.serialno\]: \[5d9e2a71\]$/m);
    expect((await sh(device, 'pm list packages -3')).stdout).to.equal('package:com.example.browser\npackage:com.miui.home\npackage:io.appium.uiautomator2.server.test\n');
    expect((await sh(device, 'pm path com.example.browser')).stdout).to.equal('package:/data/app/com.example.browser-1/base.apk\n');
    expect((await sh(device, 'pm path com.not.there')).code).to.equal(1);
    expect((await sh(device, 'pm clear com.example.browser')).stdout).to.equal('Success\n');
  });

  it('inserts contacts through `content insert` and tells the apps layer', async () => {
    const steps = [
      'content insert --uri content://com.android.contacts/raw_contacts --bind account_type:n: --bind account_name:n:',
      "content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:1 --bind mimetype:s:vnd.android.cursor.item/name --bind data1:s:'Canary Person'",
      'content insert --uri content://com.android.contacts/data --bind raw_contact_id:i:1 --bind mimetype:s:vnd.android.cursor.item/phone_v2 --bind data1:s:+15550001111',
    ];
    for (const step of steps) expect((await sh(device, step)).code, step).to.equal(0);
    expect(log.contacts).to.deep.equal([{ name: 'Canary Person', number: '+15550001111' }]);
    const rows = await sh(device, 'content query --uri content://com.android.contacts/data/phones --projection display_name:number');
    expect(rows.stdout).to.equal('Row: 0 display_name=Canary Person, number=+15550001111\n');
    const android = await sh(device, "content query --uri content://settings/secure --projection value --where \"name='android_id'\"");
    expect(android.stdout).to.equal('Row: 0 value=8f3a61c2d94b07e5\n');
  });

  it('keeps the system CA store read-only until root mounts a tmpfs over it or remounts /system', async () => {
    const ca = readFileSync('/etc/ssl/certs/ISRG_Root_X1.pem', 'utf8');
    expect(device.caCertificates('system').length).to.equal(STOCK);
    expect(device.caCertificates('user')).to.deep.equal([]);
    device.writeFile('/data/local/tmp/ca.pem', Buffer.from(ca), { uid: 2000, gids: [2000] });

    const asShell = await sh(device, 'mount -t tmpfs tmpfs /system/etc/security/cacerts');
    expect(asShell.code).to.equal(1);
    expect(asShell.stderr).to.contain('Operation not permitted');
    expect((await sh(device, 'cp /data/local/tmp/ca.pem /system/etc/security/cacerts/x.0', { root: true })).stderr).to.contain('Read-only file system');

    const script = [
      'mkdir -p /data/local/tmp/certs', 'cp /system/etc/security/cacerts/* /data/local/tmp/certs/',
      'mount -t tmpfs tmpfs /system/etc/security/cacerts', 'cp /data/local/tmp/certs/* /system/etc/security/cacerts/',
      'cp /data/local/tmp/ca.pem /system/etc/security/cacerts/deadbeef.0', 'chown root:root /system/etc/security/cacerts/*',
      'chmod 644 /system/etc/security/cacerts/*', 'chcon u:object_r:system_file:s0 /system/etc/security/cacerts/*',
      // The tmpfs folder itself keeps the tmpfs label unless relabelled; apps could not read the store.
      'chcon u:object_r:system_file:s0 /system/etc/security/cacerts',
    ].join(' && ');
    const mounted = await sh(device, script, { root: true });
    expect(mounted.code, mounted.stderr).to.equal(0);
    expect(device.caCertificates('system')).to.have.length(STOCK + 1);
    expect(device.caCertificates('system')).to.include(ca.trim() + '\n');
    expect((await sh(device, 'mount')).stdout).to.match(/^tmpfs on \/system\/etc\/security\/cacerts type tmpfs/m);

    expect((await sh(device, 'umount /system/etc/security/cacerts', { root: true })).code).to.equal(0);
    expect(device.caCertificates('system')).to.have.length(STOCK);
    expect((await sh(device, 'remount', { root: true })).stdout).to.equal('Remount succeeded\n');
    expect((await sh(device, 'cp /data/local/tmp/ca.pem /system/etc/security/cacerts/deadbeef.0', { root: true })).code).to.equal(0);
    expect(device.caCertificates('system')).to.have.length(STOCK + 1);

    expect((await sh(device, 'cp /data/local/tmp/ca.pem /data/misc/user/0/cacerts-added/deadbeef.0', { root: true })).code).to.equal(0);
    expect(device.caCertificates('user')).to.deep.equal([ca.trim() + '\n']);
  });

  it('reads Android 14 system CAs from the Conscrypt APEX, not /system', async () => {
    const u = new AndroidDevice(testProfile({ sdk: 34, release: '14' }));
    expect(u.files.exists('/apex/com.android.conscrypt/cacerts/6187b673.0')).to.equal(true);
    expect(u.caCertificates('system')).to.have.length(STOCK);
  });

  it('sends input to the apps layer and rejects bad arguments with usage', async () => {
    expect((await sh(device, 'input keyevent KEYCODE_ENTER 4')).code).to.equal(0);
    expect(log.keys.slice(-2)).to.deep.equal([66, 4]);
    expect((await sh(device, 'input text hello%sworld')).code).to.equal(0);
    expect(log.texts.at(-1)).to.equal('hello world');
    const bad = await sh(device, 'input tap x');
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('Usage: input');
  });
});

describe('sim android: /proc/net in the kernel’s formats', () => {
  it('lists adbd in /proc/net/tcp, a phone listener in tcp6, and no devtools socket in /proc/net/unix (so getContexts finds only NATIVE_APP)', async () => {
    const device = new AndroidDevice(testProfile());
    const close = device.listenLocal(6790, (socket) => socket.destroy());
    try {
      const tcp = (await sh(device, 'cat /proc/net/tcp')).stdout.split('\n');
      expect(tcp[0]).to.match(/^\s+sl\s+local_address rem_address\s+st tx_queue rx_queue/);
      expect(tcp[1]).to.match(/^\s+0: 00000000:15B3 00000000:0000 0A /);
      const tcp6 = (await sh(device, 'cat /proc/net/tcp6')).stdout;
      expect(tcp6).to.match(/^\s+0: 0{32}:1A86 0{32}:0000 0A /m);
      const unix = (await sh(device, 'cat /proc/net/unix')).stdout.trim().split('\n');
      expect(unix[0]).to.equal('Num       RefCount Protocol Flags    Type St Inode Path');
      // appium-android-driver getPotentialWebviewProcs: fields [, , , flags, , st, , path].
      const rows = unix.slice(1).map((l) => l.trim().split(/\s+/));
      expect(rows.every((r) => r.length === 8 && r[3] === '00010000' && r[5] === '01')).to.equal(true);
      expect(rows.map((r) => r[7])).to.include('@jdwp-control');
      expect(rows.some((r) => /devtools_remote/.test(r[7]!))).to.equal(false);
    } finally {
      close();
      device.shutdown();
    }
  });
});

describe('sim android: Appium Settings’ foreground service and ProcessRecord lines, as appium-adb and io.appium.settings read them', () => {
  it('shows isForeground=true once .Settings is started, a ProcessRecord for running apps, and nothing after a force-stop', async () => {
    const { phoneWithApps } = await import('./android-support-apps.js');
    const { loadProfile } = await import('../../sim/profiles/index.js');
    const phone = phoneWithApps(loadProfile('redmi-note-8-2020'));
    const device = phone.device;
    // io.appium.settings lib/client.ts isRunningInForeground
    expect((await sh(device, 'dumpsys activity services io.appium.settings')).stdout).not.to.contain('isForeground=true');
    await sh(device, 'am start -n io.appium.settings/.Settings -a android.intent.action.MAIN -c android.intent.category.LAUNCHER');
    const services = (await sh(device, 'dumpsys activity services io.appium.settings')).stdout;
    expect(services).to.contain('isForeground=true');
    expect(services).to.match(/^ {2}\* ServiceRecord\{[0-9a-f]+ u0 io\.appium\.settings\/\.ForegroundService\}$/m);
    // appium-adb listAppProcessIds
    const pidRegex = /ProcessRecord\{[\w]+\s+(\d+):io\.appium\.settings\//;
    const processes = (await sh(device, 'dumpsys activity processes')).stdout;
    const pid = processes.split('\n').map((l) => pidRegex.exec(l)?.[1]).find(Boolean);
    expect(pid).to.match(/^\d+$/);
    expect((await sh(device, 'ps -A')).stdout).to.match(new RegExp(`\\s${pid}\\s+700\\s.* io\\.appium\\.settings$`, 'm'));
    expect(processes).to.match(/ProcessRecord\{[\w]+\s+\d+:com\.miui\.home\//);
    await sh(device, 'am force-stop io.appium.settings');
    expect((await sh(device, 'dumpsys activity services io.appium.settings')).stdout).not.to.contain('isForeground=true');
    expect((await sh(device, 'dumpsys activity processes')).stdout).not.to.match(pidRegex);
    await phone.close();
  });
});
