/**
 * The UI seam inside the simulated phone: apps/ builds the window hierarchy a user sees and acts
 * on input; uiautomator/ (the UiAutomator2 server) and the screencap renderer only read it and
 * send actions through UiDriver. Attribute names follow UiAutomator's dump format.
 */

export interface UiNode {
  /** Stable identity of this node while the screen it belongs to is shown (element ids map to it). */
  key: string;
  className: string; // e.g. android.widget.EditText
  package: string;
  resourceId?: string; // full form: com.mi.globalbrowser:id/url
  text?: string;
  contentDesc?: string;
  hint?: string;
  bounds: [left: number, top: number, right: number, bottom: number];
  checkable?: boolean;
  checked?: boolean;
  clickable?: boolean;
  enabled?: boolean; // default true
  focusable?: boolean;
  focused?: boolean;
  scrollable?: boolean;
  selected?: boolean;
  password?: boolean;
  displayed?: boolean; // default true
  children: UiNode[];
}

export interface UiDriver {
  /** The current window hierarchy (foreground app, dialogs on top); root is the whole screen. */
  hierarchy(): UiNode;
  display(): { width: number; height: number; density: number; rotation: 0 | 1 | 2 | 3 };
  /** Actions by node key; reject with an Error whose message says why (stale element, not clickable). */
  click(key: string): Promise<void>;
  setText(key: string, text: string, options: { replace: boolean }): Promise<void>;
  clear(key: string): Promise<void>;
  /** Android key codes: 4 BACK, 3 HOME, 66 ENTER, 26 POWER, 82 MENU, 67 DEL. */
  pressKey(code: number): Promise<void>;
  tap(x: number, y: number): Promise<void>;
  swipe(x1: number, y1: number, x2: number, y2: number, ms: number): Promise<void>;
  /** Foreground package/activity, for getCurrentPackage / getCurrentActivity. */
  focus(): { package: string; activity: string } | null;
  /**
   * Freeze the display at a rotation (0 natural, 1 = 90°, 2 = 180°, 3 = 270°), as
   * UiAutomation.setRotation(ROTATION_FREEZE_n) does; absent: the screen cannot rotate.
   */
  freezeRotation?(rotation: 0 | 1 | 2 | 3): Promise<void>;
}
