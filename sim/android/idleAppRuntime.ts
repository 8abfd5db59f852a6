import { PNG } from 'pngjs';
import type { AppRuntime, PhoneContext } from '../services.js';
import type { UiNode } from '../ui.js';

/**
 * The apps layer of a phone with nothing but its launcher: used until a real AppRuntime is
 * attached, so the Android model answers sensibly on its own (an empty home screen).
 */
export function idleAppRuntime(ctx: PhoneContext): AppRuntime {
  const screen = ctx.profile.device.screen ?? { width: 1080, height: 2340, density: 440 };
  const launcher = ctx.profile.device.miuiVersion ? 'com.miui.home' : 'com.android.launcher3';
  const home = { package: launcher, activity: `${launcher}.launcher.Launcher` };
  let screenOn = true;
  const root = (): UiNode => ({
    key: 'home', className: 'android.widget.FrameLayout', package: launcher, bounds: [0, 0, screen.width, screen.height], children: [],
  });
  const noop = async () => undefined;
  return {
    ui: {
      hierarchy: root,
      display: () => ({ width: screen.width, height: screen.height, density: screen.density, rotation: 0 }),
      click: async () => { throw new Error('no such element on the home screen'); },
      setText: async () => { throw new Error('no such element on the home screen'); },
      clear: async () => { throw new Error('no such element on the home screen'); },
      pressKey: noop,
      tap: noop,
      swipe: noop,
      focus: () => home,
    },
    packages: () => [],
    startActivity: async (component) => ({ ok: false, error: `Error: Activity class {${component.package}/${component.activity ?? ''}} does not exist.` }),
    forceStop: () => undefined,
    clearData: () => undefined,
    instrument: () => null,
    focus: () => home,
    pids: () => [{ pid: 2210, package: launcher, user: 'u0_a60' }],
    input: {
      keyevent: async (code) => {
        if (code === 26) screenOn = !screenOn;
        if (code === 224) screenOn = true;
        if (code === 223) screenOn = false;
      },
      text: noop,
      tap: noop,
      swipe: noop,
    },
    screencap: async () => {
      const png = new PNG({ width: Math.max(1, Math.floor(screen.width / 4)), height: Math.max(1, Math.floor(screen.height / 4)) });
      png.data.fill(0);
      for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
      return PNG.sync.write(png);
    },
    contactAdded: () => undefined,
    screenOn: () => screenOn,
  };
}
