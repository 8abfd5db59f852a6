import { deviceInfo } from './deviceInfo.js';
import { elementIdOf } from './elementRegistry.js';
import { pageSource } from './pageSource.js';
import { gesturesFromActions, type Gesture } from './pointerActions.js';
import type { Router } from './router.js';
import { centerOf as center, descendants, type SnapshotNode } from './uiSnapshot.js';
import type { RouteContext } from './uiautomator2Server.js';
import { W3cError } from './w3cError.js';

const READY_MESSAGE = 'UiAutomator2 Server is ready to accept commands';
const DEFAULT_BUILD = { version: '10.6.6', versionCode: 227 };

/** The node keyboard input goes to: the focused editable node. */
function focusedNode(top: SnapshotNode): SnapshotNode | undefined {
  return descendants(top).find((n) => n.attrs.get('focused') === 'true');
}

export async function runGestures(c: RouteContext, gestures: Gesture[]): Promise<void> {
  for (const g of gestures) {
    if (g.kind === 'tap') await c.ui.tap(g.x, g.y);
    else if (g.kind === 'swipe') await c.ui.swipe(g.x1, g.y1, g.x2, g.y2, g.ms);
    else if (g.kind === 'key') await c.ui.pressKey(g.code);
    else await typeIntoFocused(c, g.text, false);
  }
}

async function typeIntoFocused(c: RouteContext, text: string, replace: boolean): Promise<void> {
  const focused = focusedNode(c.snapshot());
  if (!focused?.node) throw new W3cError('element not interactable', 'no element has input focus to type into; click an input field first');
  await c.ui.setText(focused.node.key, text, { replace });
}

function keycodeOf(body: Record<string, unknown>): number {
  const code = body.keycode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 400) throw new W3cError('invalid argument', `'keycode' must be an Android key code (an integer such as 4 for BACK or 66 for ENTER), got ${JSON.stringify(code)}`);
  return code;
}

/** The point a gesture (`/appium/gestures/click` …) names: an element origin plus an offset, or screen coordinates. */
function gesturePoint(c: RouteContext, body: Record<string, unknown>): { x: number; y: number } {
  const offset = (body.offset ?? {}) as { x?: unknown; y?: unknown };
  const id = elementIdOf(body.origin);
  if (id !== undefined) {
    const { node } = c.element(id);
    if (typeof offset.x === 'number' && typeof offset.y === 'number') return { x: node.node!.bounds[0] + offset.x, y: node.node!.bounds[1] + offset.y };
    return center(node);
  }
  if (typeof offset.x !== 'number' || typeof offset.y !== 'number') throw new W3cError('invalid argument', "a gesture needs an element 'origin' or numeric 'offset' x and y");
  return { x: offset.x, y: offset.y };
}

function firstCapabilities(body: Record<string, unknown>): Record<string, unknown> {
  const caps = body.capabilities as { firstMatch?: unknown[]; alwaysMatch?: Record<string, unknown> } | undefined;
  if (caps && typeof caps === 'object') {
    const first = Array.isArray(caps.firstMatch) && caps.firstMatch[0] && typeof caps.firstMatch[0] === 'object' ? (caps.firstMatch[0] as Record<string, unknown>) : {};
    return { ...(caps.alwaysMatch ?? {}), ...first };
  }
  const desired = body.desiredCapabilities;
  if (desired && typeof desired === 'object') return desired as Record<string, unknown>;
  throw new W3cError('invalid argument', "POST /session needs 'capabilities' ({firstMatch, alwaysMatch})");
}

function alertNodes(top: SnapshotNode): { title?: SnapshotNode; message?: SnapshotNode; buttons: SnapshotNode[] } | null {
  const all = descendants(top);
  const byId = (id: string) => all.find((n) => n.attrs.get('resource-id') === id);
  const title = byId('android:id/alertTitle');
  const message = byId('android:id/message');
  const buttons = ['android:id/button1', 'android:id/button2', 'android:id/button3'].map(byId).filter((n): n is SnapshotNode => n !== undefined);
  if (!title && !message && buttons.length === 0) return null;
  return { title, message, buttons };
}

/** Server, session, screen and device routes (AppiumServlet's non-element half). */
export function registerSessionRoutes(router: Router<RouteContext>): void {
  router
    .add('GET', '/status', (c) => ({ ready: true, message: READY_MESSAGE, build: c.server.options.build ?? DEFAULT_BUILD }))
    .add('GET', '/sessions', (c) => (c.server.session ? [{ id: c.server.session.id, capabilities: c.server.session.capabilities }] : []))
    .add('POST', '/session', (c, { body }) => {
      const session = c.server.createSession(firstCapabilities(body));
      return { capabilities: session.capabilities, sessionId: session.id };
    })
    .add('GET', '/session/:sessionId', (c) => c.session.capabilities)
    .add('DELETE', '/session/:sessionId', (c, { params }) => {
      c.server.deleteSession(params.sessionId!);
      return null;
    })
    .add('GET', '/session/:sessionId/source', (c) => pageSource(c.snapshot()))
    .add('POST', '/session/:sessionId/back', async (c) => {
      await c.ui.pressKey(4);
      return null;
    })
    .add('POST', '/session/:sessionId/appium/device/press_keycode', async (c, { body }) => {
      await c.ui.pressKey(keycodeOf(body));
      return null;
    })
    .add('POST', '/session/:sessionId/appium/device/long_press_keycode', async (c, { body }) => {
      await c.ui.pressKey(keycodeOf(body));
      return null;
    })
    .add('POST', '/session/:sessionId/keys', async (c, { body }) => {
      const text = typeof body.text === 'string' ? body.text : Array.isArray(body.value) ? body.value.join('') : undefined;
      if (text === undefined) throw new W3cError('invalid argument', "POST /keys needs 'text' (a string) or 'value' (an array of characters)");
      await typeIntoFocused(c, text, body.replace === true || body.replace === 'true');
      return null;
    })
    .add('POST', '/session/:sessionId/actions', async (c, { body }) => {
      const gestures = gesturesFromActions(body, (origin) => {
        const id = elementIdOf(origin);
        return id === undefined ? null : center(c.element(id).node);
      });
      await runGestures(c, gestures);
      return null;
    })
    .add('POST', '/session/:sessionId/appium/gestures/click', async (c, { body }) => {
      const p = gesturePoint(c, body);
      await c.ui.tap(p.x, p.y);
      return null;
    })
    .add('POST', '/session/:sessionId/appium/gestures/long_click', async (c, { body }) => {
      const p = gesturePoint(c, body);
      await c.ui.tap(p.x, p.y);
      return null;
    })
    .add('POST', '/session/:sessionId/appium/gestures/double_click', async (c, { body }) => {
      const p = gesturePoint(c, body);
      await c.ui.tap(p.x, p.y);
      await c.ui.tap(p.x, p.y);
      return null;
    })
    .add('GET', '/session/:sessionId/screenshot', async (c) => (await c.server.options.screenshot()).toString('base64'))
    .add('GET', '/session/:sessionId/window/:handle/size', (c) => {
      const { width, height } = c.ui.display();
      return { width, height };
    })
    .add('GET', '/session/:sessionId/window/rect', (c) => {
      const { width, height } = c.ui.display();
      return { x: 0, y: 0, width, height };
    })
    // appium-uiautomator2-server GetOrientation / SetOrientation / GetRotation / SetRotation with
    // model/ScreenRotation.java: LANDSCAPE from portrait is ROTATION_270, PORTRAIT from landscape
    // ROTATION_0 (a rotation at 90°/180° first maps to 270°/0°); the answer is the enum's name.
    .add('GET', '/session/:sessionId/orientation', (c) => orientationOf(c.ui.display().rotation))
    .add('POST', '/session/:sessionId/orientation', async (c, { body }) => {
      const wanted = String(body.orientation ?? '').toUpperCase();
      if (wanted !== 'LANDSCAPE' && wanted !== 'PORTRAIT') throw new W3cError('invalid argument', `Orientation value '${String(body.orientation)}' is not supported. Only 'LANDSCAPE' and 'PORTRAIT' values could be translated into a valid screen orientation`);
      const current = c.ui.display().rotation;
      const sameKind = orientationOf(current) === wanted;
      const desired = sameKind ? (current === 1 ? 3 : current === 2 ? 0 : current) : current % 2 === 1 ? 0 : 3;
      return rotateTo(c, desired);
    })
    .add('GET', '/session/:sessionId/rotation', (c) => ({ x: 0, y: 0, z: c.ui.display().rotation * 90 }))
    .add('POST', '/session/:sessionId/rotation', async (c, { body }) => {
      const z = body.z;
      if (z !== 0 && z !== 90 && z !== 180 && z !== 270) throw new W3cError('invalid argument', `Rotation value of ${String(z)} degrees is not supported. Only 0, 90, 180 and 270 degrees could be translated into a valid screen rotation`);
      return rotateTo(c, (z / 90) as 0 | 1 | 2 | 3);
    })
    .add('GET', '/session/:sessionId/appium/device/info', (c) => deviceInfo(c.server.options.device, c.ui.display(), c.server.options.androidId?.()))
    .add('GET', '/session/:sessionId/appium/device/system_bars', (c) => ({ statusBar: Math.round((24 * c.ui.display().density) / 160) }))
    .add('GET', '/session/:sessionId/appium/device/pixel_ratio', (c) => c.ui.display().density / 160)
    .add('GET', '/session/:sessionId/appium/device/display_density', (c) => c.ui.display().density)
    .add('GET', '/session/:sessionId/appium/device/current_package', (c) => c.ui.focus()?.package ?? null)
    .add('GET', '/session/:sessionId/appium/device/current_activity', (c) => c.ui.focus()?.activity ?? null)
    .add('GET', '/session/:sessionId/appium/settings', (c) => c.session.settings)
    .add('POST', '/session/:sessionId/appium/settings', (c, { body }) => {
      const settings = body.settings;
      if (!settings || typeof settings !== 'object' || Array.isArray(settings)) throw new W3cError('invalid argument', "POST /appium/settings needs 'settings' (an object of setting names and values)");
      Object.assign(c.session.settings, settings);
      return c.session.settings;
    })
    .add('GET', '/session/:sessionId/alert/text', (c) => {
      const alert = alertNodes(c.snapshot());
      if (!alert) throw new W3cError('no such alert', 'no dialog is shown');
      return alert.message?.attrs.get('text') ?? alert.title?.attrs.get('text') ?? '';
    })
    .add('POST', '/session/:sessionId/alert/accept', async (c, { body }) => pressAlertButton(c, body, 0))
    .add('POST', '/session/:sessionId/alert/dismiss', async (c, { body }) => pressAlertButton(c, body, 1));
}

function orientationOf(rotation: number): 'PORTRAIT' | 'LANDSCAPE' {
  return rotation % 2 === 0 ? 'PORTRAIT' : 'LANDSCAPE';
}

async function rotateTo(c: RouteContext, rotation: 0 | 1 | 2 | 3): Promise<string> {
  if (!c.ui.freezeRotation) throw new W3cError('unsupported operation', 'this phone cannot rotate its display');
  await c.ui.freezeRotation(rotation);
  return `ROTATION_${rotation * 90}`;
}

async function pressAlertButton(c: RouteContext, body: Record<string, unknown>, preferred: number): Promise<null> {
  const alert = alertNodes(c.snapshot());
  if (!alert || alert.buttons.length === 0) throw new W3cError('no such alert', 'no dialog with buttons is shown');
  const label = typeof body.buttonLabel === 'string' ? body.buttonLabel : undefined;
  const button = label ? alert.buttons.find((b) => b.attrs.get('text') === label) : (alert.buttons[preferred] ?? alert.buttons[0]);
  if (!button?.node) throw new W3cError('no such element', `the dialog has no button '${label}'`);
  await c.ui.click(button.node.key);
  return null;
}
