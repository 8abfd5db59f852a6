import { PassThrough } from 'node:stream';
import { PNG } from 'pngjs';
import type { Profile } from '../../../sim/profile.js';
import type { AppRuntime, PhoneContext } from '../../../sim/services.js';

/** A phone profile for adbd/android tests (independent of the shipped profiles the apps team edits). */
export function testProfile(overrides: Partial<Profile['device']> = {}, name = 'test-phone'): Profile {
  return {
    name,
    description: 'adbd/android test phone',
    device: {
      manufacturer: 'Xiaomi', brand: 'xiaomi', model: 'Redmi Note 8', product: 'ginkgo', device: 'ginkgo', release: '10', sdk: 29,
      buildType: 'user', miuiVersion: 'V11', miuiRegion: 'GB', imei: '869512043871239', imsi: '234159876543210',
      androidId: '8f3a61c2d94b07e5', serial: '5d9e2a71', phoneNumber: '+447700900123', wifiMac: '64:cc:2e:1a:7b:3f',
      operator: 'EE', rootable: false, screen: { width: 1080, height: 2340, density: 440 }, ...overrides,
    },
    apps: [],
  };
}

export interface TestRuntimeLog {
  started: string[];
  stopped: string[];
  contacts: Array<{ name?: string; number: string }>;
  keys: number[];
  texts: string[];
}

/**
 * A small apps layer: one browser-like package, a focus, an HTTP-ish echo server started by
 * `am instrument` on phone port 6790, and a screen PNG with a colour we can check.
 */
export function testAppRuntime(log: TestRuntimeLog): (ctx: PhoneContext) => AppRuntime {
  return (ctx) => {
    let focus: { package: string; activity: string } | null = { package: 'com.miui.home', activity: 'com.miui.home.launcher.Launcher' };
    const running = new Set<string>(['com.miui.home']);
    let stopInstrumentation: () => void = () => undefined;
    const display = ctx.profile.device.screen ?? { width: 1080, height: 2340, density: 440 };
    return {
      ui: {
        hierarchy: () => ({ key: 'root', className: 'android.widget.FrameLayout', package: focus?.package ?? '', bounds: [0, 0, display.width, display.height], children: [] }),
        display: () => ({ ...display, rotation: 0 }),
        click: async () => undefined,
        setText: async () => undefined,
        clear: async () => undefined,
        pressKey: async () => undefined,
        tap: async () => undefined,
        swipe: async () => undefined,
        focus: () => focus,
      },
      packages: () => [
        { name: 'com.example.browser', version: '1.2.3', versionCode: 123, apkPath: '/data/app/com.example.browser-1/base.apk', uid: 10123 },
        { name: 'io.appium.uiautomator2.server.test', version: '7.0.0', versionCode: 700, apkPath: '/data/app/io.appium.uiautomator2.server.test-1/base.apk', uid: 10124 },
        { name: 'com.miui.home', version: '4.0', versionCode: 40, apkPath: '/system/priv-app/MiuiHome/MiuiHome.apk', uid: 10060 },
      ],
      startActivity: async (component, options) => {
        const known = component.activity === undefined || component.activity === 'com.example.browser.MainActivity';
        if (component.package !== 'com.example.browser' || !known) return { ok: false, error: `Error: Activity class {${component.package}/${component.activity}} does not exist.` };
        if (options.stopFirst) running.delete(component.package);
        running.add(component.package);
        focus = { package: component.package, activity: component.activity ?? 'com.example.browser.MainActivity' };
        log.started.push(`${component.package}/${focus.activity}`);
        return { ok: true, totalTimeMs: 42 };
      },
      forceStop: (pkg) => {
        if (pkg.startsWith('io.appium.uiautomator2.server')) stopInstrumentation();
        running.delete(pkg);
        log.stopped.push(pkg);
        if (focus?.package === pkg) focus = { package: 'com.miui.home', activity: 'com.miui.home.launcher.Launcher' };
      },
      clearData: () => undefined,
      instrument: (component) => {
        if (!component.startsWith('io.appium.uiautomator2.server.test/')) return null;
        const output = new PassThrough();
        let finish: (code: number) => void = () => undefined;
        const done = new Promise<number>((resolve) => (finish = resolve));
        const close = ctx.listenLocal(6790, (socket) => socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d]))));
        output.write('INSTRUMENTATION_STATUS: class=io.appium.uiautomator2.server.test.AppiumUiAutomator2Server\n');
        const kill = () => {
          close();
          if (!output.writableEnded) output.end('INSTRUMENTATION_STATUS_CODE: -1\n');
          finish(0);
        };
        stopInstrumentation = kill;
        return { output, done, kill };
      },
      focus: () => focus,
      pids: () => [...running].map((pkg, i) => ({ pid: 3000 + i, package: pkg, user: `u0_a${100 + i}` })),
      input: {
        keyevent: async (code) => void log.keys.push(code),
        text: async (text) => void log.texts.push(text),
        tap: async () => undefined,
        swipe: async () => undefined,
      },
      screencap: async () => {
        const png = new PNG({ width: 108, height: 234 });
        for (let i = 0; i < png.data.length; i += 4) {
          png.data[i] = 200;
          png.data[i + 1] = 30;
          png.data[i + 2] = 60;
          png.data[i + 3] = 255;
        }
        return PNG.sync.write(png);
      },
      contactAdded: (contact) => void log.contacts.push(contact),
      screenOn: () => true,
    };
  };
}

export function newRuntimeLog(): TestRuntimeLog {
  return { started: [], stopped: [], contacts: [], keys: [], texts: [] };
}
