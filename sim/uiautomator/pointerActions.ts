import { W3cError } from './w3cError.js';

/** What a W3C action sequence turns into on the phone. */
export type Gesture =
  | { kind: 'tap'; x: number; y: number }
  | { kind: 'swipe'; x1: number; y1: number; x2: number; y2: number; ms: number }
  | { kind: 'text'; text: string }
  | { kind: 'key'; code: number };

const MAX_ACTIONS = 1000;
/** A finger that moves less than this between down and up taps. */
const TAP_SLOP_PX = 12;

// WebDriver's special keys that have an Android key code.
const SPECIAL_KEYS: Record<string, number> = { '\uE007': 66, '\uE006': 66, '\uE003': 67, '\uE017': 112, '\uE00C': 111, '\uE004': 61 };

/**
 * Turns `POST /actions` (W3C pointer and key input sources) into taps, swipes, text and key
 * presses. Sources run one after another (the simulated apps have no multi-touch).
 * `elementCenter` resolves an element origin to screen coordinates.
 */
export function gesturesFromActions(body: Record<string, unknown>, elementCenter: (origin: unknown) => { x: number; y: number } | null): Gesture[] {
  const sources = body.actions;
  if (!Array.isArray(sources)) throw new W3cError('invalid argument', "'actions' must be an array of input sources");
  const out: Gesture[] = [];
  let count = 0;
  for (const source of sources as Array<Record<string, unknown>>) {
    const actions = source?.actions;
    if (!Array.isArray(actions)) throw new W3cError('invalid argument', `input source '${String(source?.id)}' has no 'actions' array`);
    if ((count += actions.length) > MAX_ACTIONS) throw new W3cError('invalid argument', `more than ${MAX_ACTIONS} actions in one request`);
    if (source.type === 'pointer') pointer(actions as Array<Record<string, unknown>>, elementCenter, out);
    else if (source.type === 'key') keys(actions as Array<Record<string, unknown>>, out);
    else if (source.type !== 'none') throw new W3cError('invalid argument', `input source type '${String(source.type)}' is not supported (use pointer, key or none)`);
  }
  return out;
}

function pointer(actions: Array<Record<string, unknown>>, elementCenter: (origin: unknown) => { x: number; y: number } | null, out: Gesture[]): void {
  let x = 0;
  let y = 0;
  let down: { x: number; y: number } | null = null;
  let elapsed = 0;
  for (const a of actions) {
    const duration = typeof a.duration === 'number' && a.duration > 0 ? a.duration : 0;
    switch (a.type) {
      case 'pointerMove': {
        const dx = Number(a.x ?? 0);
        const dy = Number(a.y ?? 0);
        if (!Number.isFinite(dx) || !Number.isFinite(dy)) throw new W3cError('invalid argument', 'pointerMove needs numeric x and y');
        if (a.origin === 'pointer') {
          x += dx;
          y += dy;
        } else if (a.origin === undefined || a.origin === 'viewport') {
          x = dx;
          y = dy;
        } else {
          const center = elementCenter(a.origin);
          if (!center) throw new W3cError('no such element', 'the pointerMove origin element is not on the screen');
          x = center.x + dx;
          y = center.y + dy;
        }
        elapsed += duration;
        break;
      }
      case 'pointerDown':
        down = { x, y };
        elapsed = 0;
        break;
      case 'pointerUp':
        if (!down) break;
        if (Math.hypot(x - down.x, y - down.y) < TAP_SLOP_PX) out.push({ kind: 'tap', x: Math.round(x), y: Math.round(y) });
        else out.push({ kind: 'swipe', x1: Math.round(down.x), y1: Math.round(down.y), x2: Math.round(x), y2: Math.round(y), ms: Math.max(elapsed, 1) });
        down = null;
        break;
      case 'pause':
        elapsed += duration;
        break;
      default:
        throw new W3cError('invalid argument', `pointer action '${String(a.type)}' is not supported`);
    }
  }
}

function keys(actions: Array<Record<string, unknown>>, out: Gesture[]): void {
  let text = '';
  const flush = () => {
    if (text) out.push({ kind: 'text', text });
    text = '';
  };
  for (const a of actions) {
    if (a.type === 'keyDown') {
      const value = String(a.value ?? '');
      const code = SPECIAL_KEYS[value];
      if (code !== undefined) {
        flush();
        out.push({ kind: 'key', code });
      } else if (value.length > 0 && value.charCodeAt(0) < 0xe000) text += value;
    } else if (a.type !== 'keyUp' && a.type !== 'pause') throw new W3cError('invalid argument', `key action '${String(a.type)}' is not supported`);
  }
  flush();
}
