import { PassThrough } from 'node:stream';
import type { AppRuntime, PhoneContext } from '../services.js';
import type { UiDriver } from '../ui.js';
import { UiAutomator2Server } from './uiautomator2Server.js';
import { W3cError } from './w3cError.js';

/**
 * Gestures and key presses go through UiAutomation's injectInputEvent, which MIUI refuses without
 * "USB debugging (Security settings)" (openatx/uiautomator2#520, Mi 8 MIUI 11: "Injecting to another
 * application requires INJECT_EVENTS permission"); setText and clear are accessibility actions
 * (UiObject2.setText → ACTION_SET_TEXT) and need no injection.
 */
function injectionGuarded(ui: UiDriver, allowed: () => boolean): UiDriver {
  const refuse = () => {
    if (!allowed()) throw new W3cError('unknown error', 'java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS permission');
  };
  return {
    hierarchy: () => ui.hierarchy(),
    display: () => ui.display(),
    focus: () => ui.focus(),
    setText: (key, text, options) => ui.setText(key, text, options),
    clear: (key) => ui.clear(key),
    click: async (key) => (refuse(), ui.click(key)),
    pressKey: async (code) => (refuse(), ui.pressKey(code)),
    tap: async (x, y) => (refuse(), ui.tap(x, y)),
    swipe: async (x1, y1, x2, y2, ms) => (refuse(), ui.swipe(x1, y1, x2, y2, ms)),
    // Rotation is IWindowManager.freezeRotation (SET_ORIENTATION), not input injection; whether
    // MIUI's security option also gates it is unverified, so it is left as AOSP has it.
    ...(ui.freezeRotation ? { freezeRotation: (r: 0 | 1 | 2 | 3) => ui.freezeRotation!(r) } : {}),
  };
}

export const UIAUTOMATOR2_SERVER_PORT = 6790;
const SERVER_PACKAGE = 'io.appium.uiautomator2.server';
const TEST_CLASS = 'io.appium.uiautomator2.server.test.AppiumUiAutomator2Server';
const LOG_TAG = 'appium';

export interface InstrumentationRun {
  output: NodeJS.ReadableStream;
  /** The exit code of `am instrument -w` (0 when the instrumentation ran, however it ended). */
  done: Promise<number>;
  /** Force-stop: the server process dies at once. */
  kill(): void;
  /** The HTTP server (tests and the simulator's own tools look at its session). */
  server: UiAutomator2Server;
}

function statusBlock(stream: string, code: number): string {
  return [
    `INSTRUMENTATION_STATUS: class=${TEST_CLASS}`,
    'INSTRUMENTATION_STATUS: current=1',
    'INSTRUMENTATION_STATUS: id=AndroidJUnitRunner',
    'INSTRUMENTATION_STATUS: numtests=1',
    `INSTRUMENTATION_STATUS: stream=${stream}`,
    'INSTRUMENTATION_STATUS: test=startServer',
    `INSTRUMENTATION_STATUS_CODE: ${code}`,
    '',
  ].join('\n');
}

/**
 * What `am instrument -w … io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner`
 * starts on a real phone: the UiAutomator2 server's one long "test", serving HTTP on phone port
 * 6790 until the session is deleted (the server shuts itself down) or the package is
 * force-stopped. The output is what AndroidJUnitRunner prints for it.
 */
export function startUiAutomator2Instrumentation(ctx: PhoneContext, runtime: AppRuntime, args: Record<string, string>): InstrumentationRun {
  const output = new PassThrough();
  const started = Date.now();
  const serverPackage = runtime.packages().find((p) => p.name === SERVER_PACKAGE);
  const server = new UiAutomator2Server({
    ui: ctx.inputInjectionAllowed ? injectionGuarded(runtime.ui, () => ctx.inputInjectionAllowed!()) : runtime.ui,
    screenshot: () => runtime.screencap(),
    device: ctx.profile.device,
    ...(ctx.appAndroidId ? { androidId: () => ctx.appAndroidId!(SERVER_PACKAGE) } : {}),
    build: serverPackage ? { version: serverPackage.version, versionCode: serverPackage.versionCode } : undefined,
  });
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let closeListener: (() => void) | null = null;
  let ended = false;

  const end = (tail: string) => {
    if (ended) return;
    ended = true;
    closeListener?.();
    server.close();
    output.end(tail);
    finish(0);
  };

  output.write(statusBlock(`\n${TEST_CLASS}:`, 1));
  const requested = Number(args.SERVER_PORT ?? UIAUTOMATOR2_SERVER_PORT);
  const port = Number.isInteger(requested) && requested > 0 && requested < 65536 ? requested : UIAUTOMATOR2_SERVER_PORT;
  if (port !== requested) ctx.log(5, LOG_TAG, `SERVER_PORT '${args.SERVER_PORT}' is not a port; using ${port}`);
  try {
    closeListener = ctx.listenLocal(port, (socket) => server.accept(socket));
  } catch (error) {
    ctx.log(6, LOG_TAG, `Server could not start on port ${port}: ${(error as Error).message}`);
    end(`INSTRUMENTATION_RESULT: shortMsg=java.net.BindException\nINSTRUMENTATION_RESULT: longMsg=java.net.BindException: ${(error as Error).message}\nINSTRUMENTATION_CODE: 0\n`);
    return { output, done, kill: () => undefined, server };
  }
  ctx.log(4, LOG_TAG, `Starting Server on port ${port}`);
  if (args.disableAnalytics) ctx.log(3, LOG_TAG, `disableAnalytics=${args.disableAnalytics}`);
  server.on('request', (r) => ctx.log(r.status === 200 ? 3 : 5, LOG_TAG, `${r.method} ${r.path} -> ${r.status}${r.error ? ` (${r.error})` : ''}`));
  server.on('lateError', (message) => ctx.log(5, LOG_TAG, `An action finished after waitForIdleTimeout with an error: ${message}`));
  server.on('sessionCreated', (id) => ctx.log(4, LOG_TAG, `Created the new session with id ${id}`));
  // The real server stops after DELETE /session; the test "passes" and the runner reports it.
  server.on('sessionDeleted', (id) => {
    ctx.log(4, LOG_TAG, `Deleted session ${id}; stopping the server`);
    const seconds = ((Date.now() - started) / 1000).toFixed(3);
    end(`${statusBlock('.', 0)}INSTRUMENTATION_RESULT: stream=\n\nTime: ${seconds}\n\nOK (1 test)\n\n\nINSTRUMENTATION_CODE: -1\n`);
  });
  return {
    output,
    done,
    server,
    kill: () => {
      if (!ended) ctx.log(4, 'ActivityManager', `Force stopping ${SERVER_PACKAGE}: instrumentation killed`);
      end('INSTRUMENTATION_RESULT: shortMsg=Process crashed.\nINSTRUMENTATION_CODE: 0\n');
    },
  };
}
