import { PassThrough } from 'node:stream';
import type { AppRuntime, PhoneContext } from '../services.js';
import type { UiDriver, UiNode } from '../ui.js';

/**
 * The two sibling layers the apps hand work to: the UiAutomator2 server (sim/uiautomator/, started
 * by `am instrument`) and the screen renderer (sim/screen/, for screencap). They are loaded lazily
 * so the apps layer runs (and is tested) on its own, and can be injected for tests.
 */
export interface InstrumentationHandle {
  output: NodeJS.ReadableStream;
  done: Promise<number>;
  kill(): void;
}

export type StartInstrumentation = (ctx: PhoneContext, runtime: AppRuntime, args: Record<string, string>) => InstrumentationHandle;
export type RenderScreen = (root: UiNode, display: ReturnType<UiDriver['display']>) => Buffer | Promise<Buffer>;

// Variable specifiers: resolved at run time relative to this module, so a missing sibling is a
// clear run-time error instead of a type error in this layer.
const uiautomatorModule = '../uiautomator/index.js';
const screenModule = '../screen/index.js';

export async function loadStartInstrumentation(): Promise<StartInstrumentation> {
  const mod = (await import(uiautomatorModule)) as { startUiAutomator2Instrumentation?: StartInstrumentation };
  if (typeof mod.startUiAutomator2Instrumentation !== 'function') throw new Error('sim/uiautomator/index.ts does not export startUiAutomator2Instrumentation');
  return mod.startUiAutomator2Instrumentation;
}

export async function loadRenderScreen(): Promise<RenderScreen> {
  const mod = (await import(screenModule)) as { renderScreen?: RenderScreen };
  if (typeof mod.renderScreen !== 'function') throw new Error('sim/screen/index.ts does not export renderScreen');
  return mod.renderScreen;
}

/**
 * Starts an instrumentation now if its starter is loaded, else as soon as it is: the caller gets
 * a handle at once (AppRuntime.instrument is synchronous) whose output and exit follow the real one.
 */
export function deferredInstrumentation(starter: Promise<StartInstrumentation>, start: (fn: StartInstrumentation) => InstrumentationHandle): InstrumentationHandle {
  const output = new PassThrough();
  let inner: InstrumentationHandle | null = null;
  let killed = false;
  const done = starter.then(
    (fn) => {
      if (killed) return -1;
      inner = start(fn);
      inner.output.pipe(output);
      return inner.done;
    },
    (error: unknown) => {
      output.end(`INSTRUMENTATION_FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    },
  );
  return {
    output,
    done,
    kill: () => {
      killed = true;
      if (inner) inner.kill();
      else output.end();
    },
  };
}
