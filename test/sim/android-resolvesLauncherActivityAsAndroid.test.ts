import { expect } from 'chai';
import { AndroidDevice } from '../../sim/android/index.js';
import { createAppRuntime } from '../../sim/apps/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { parseResolvedActivity } from '../../harness/drive/launcherActivity.js';
// appium-adb's own parser of `cmd package resolve-activity --brief` (what Appium runs when no appActivity is given).
import { isValidClass, resolveLaunchableActivity } from '../../node_modules/appium-uiautomator2-driver/node_modules/appium-adb/build/lib/tools/app-commands.js';
import { sh } from './android-support.js';

const LAUNCHER = '-c android.intent.category.LAUNCHER -a android.intent.action.MAIN';

describe('sim/android: cmd package resolve-activity answers as AOSP (runResolveActivity, android-10.0.0_r1)', function () {
  this.timeout(20_000);
  let device: AndroidDevice;
  before(() => {
    device = new AndroidDevice(loadProfile('redmi-note-8-2020'));
    device.attachApps((ctx) => createAppRuntime(ctx));
  });
  after(async () => {
    await device.apps.shutdown?.();
  });

  it('--brief: the ResolveInfo line, then the component in flattenToShortString form', async () => {
    const mint = await sh(device, `cmd package resolve-activity --brief ${LAUNCHER} com.mi.globalbrowser.mini`);
    expect(mint.code).to.equal(0);
    // Mint 3.4.0 is a Chromium fork: the class is outside the package, so it is written in full.
    expect(mint.stdout).to.equal('priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=false\ncom.mi.globalbrowser.mini/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity\n');
    const mi = await sh(device, `cmd package resolve-activity --brief ${LAUNCHER} com.android.browser`);
    // Inside the package: the short form with a leading dot.
    expect(mi.stdout.trim().split('\n').pop()).to.equal('com.android.browser/.BrowserActivity');
    const components = await sh(device, `pm resolve-activity --components ${LAUNCHER} com.mi.globalbrowser`);
    expect(components.stdout).to.equal('com.mi.globalbrowser/com.android.browser.BrowserActivity\n');
  });

  it('"No activity found" (exit 0) for a package that is not installed, as Android prints it', async () => {
    const none = await sh(device, `cmd package resolve-activity --brief ${LAUNCHER} com.example.absent`);
    expect(none).to.deep.include({ code: 0, stdout: 'No activity found\n' });
  });

  it("the harness's parser and appium-adb's resolveLaunchableActivity read the same activity from it", async () => {
    const out = (await sh(device, `cmd package resolve-activity --brief ${LAUNCHER} com.mi.globalbrowser.mini`)).stdout;
    expect(parseResolvedActivity(out, 'com.mi.globalbrowser.mini')).to.equal('com.miui.org.chromium.chrome.browser.ChromeTabbedActivity');
    expect(parseResolvedActivity('No activity found\n', 'com.mi.globalbrowser.mini')).to.equal(undefined);
    const adbLike = {
      getApiLevel: async () => 29,
      isValidClass,
      EXEC_OUTPUT_FORMAT: { FULL: 'full', STDOUT: 'stdout' },
      shell: async (args: string[], opts: { outputFormat?: string } = {}) => {
        const run = await sh(device, args.join(' '));
        return opts.outputFormat === 'full' ? { stdout: run.stdout, stderr: run.stderr } : run.stdout;
      },
    };
    expect(await resolveLaunchableActivity.call(adbLike as never, 'com.mi.globalbrowser.mini')).to.equal('com.mi.globalbrowser.mini/com.miui.org.chromium.chrome.browser.ChromeTabbedActivity');
    expect(await resolveLaunchableActivity.call(adbLike as never, 'com.android.browser')).to.equal('com.android.browser/.BrowserActivity');
  });
});
