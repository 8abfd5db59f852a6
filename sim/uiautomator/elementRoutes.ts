import { PNG } from 'pngjs';
import { locate } from './locators.js';
import type { Router } from './router.js';
import { centerOf as center, descendants, displayedText, type SnapshotNode } from './uiSnapshot.js';
import type { RouteContext } from './uiautomator2Server.js';
import { W3cError } from './w3cError.js';

const NOT_FOUND = 'An element could not be located on the page using the given search parameters';

// Route attribute names -> dump attribute names (Attribute.java accepts both spellings).
const ATTRIBUTE_ALIASES: Record<string, string> = {
  contentDescription: 'content-desc',
  'content-description': 'content-desc',
  resourceId: 'resource-id',
  className: 'class',
  longClickable: 'long-clickable',
  packageName: 'package',
  'original-text': 'text',
  originalText: 'text',
  visible: 'displayed',
};
const NULLABLE_ATTRIBUTES = new Set(['content-desc', 'hint', 'selection-start', 'selection-end']);
const ROUTE_ONLY_ATTRIBUTES = new Set(['selection-start', 'selection-end']);

function findParams(body: Record<string, unknown>): { strategy: string; selector: string; context: string } {
  const strategy = body.strategy ?? body.using;
  const selector = body.selector ?? body.value;
  if (typeof strategy !== 'string' || typeof selector !== 'string') throw new W3cError('invalid argument', "a find needs 'strategy' and 'selector' strings (or W3C 'using' and 'value')");
  return { strategy, selector, context: typeof body.context === 'string' ? body.context : '' };
}

function find(c: RouteContext, body: Record<string, unknown>, multiple: boolean, contextId?: string): unknown {
  const { strategy, selector, context } = findParams(body);
  const fromId = contextId ?? (context !== '' ? context : undefined);
  let top: SnapshotNode;
  let scope: SnapshotNode;
  if (fromId !== undefined) {
    const resolved = c.element(fromId);
    top = resolved.top;
    scope = resolved.node;
  } else {
    top = c.snapshot();
    scope = top;
  }
  const hits = locate(strategy, selector, top, scope).filter((n) => n.node !== null);
  if (multiple) return hits.map((n) => c.session.elements.reference(n.node!.key));
  if (hits.length === 0) throw new W3cError('no such element', `${NOT_FOUND} (${strategy}: ${selector})`);
  return c.session.elements.reference(hits[0]!.node!.key);
}

/** Runs a UiDriver action on an element, turning the apps' rejections into W3C errors. */
async function act(c: RouteContext, id: string, action: (key: string, node: SnapshotNode) => Promise<void>): Promise<null> {
  const { key, node } = c.element(id);
  try {
    await action(key, node);
  } catch (error) {
    if (error instanceof W3cError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/stale/i.test(message)) throw new W3cError('stale element reference', message);
    if (/not (clickable|editable)/i.test(message)) throw new W3cError('element not interactable', message);
    throw new W3cError('unknown error', message);
  }
  return null;
}

function attribute(node: SnapshotNode, requested: string): string | null {
  const name = ATTRIBUTE_ALIASES[requested] ?? requested;
  if (ROUTE_ONLY_ATTRIBUTES.has(name)) {
    const text = node.attrs.get('text') ?? '';
    return node.attrs.get('focused') === 'true' && /EditText/.test(node.attrs.get('class') ?? '') ? String(text.length) : null;
  }
  const value = node.attrs.get(name);
  if (value !== undefined) return value;
  if (NULLABLE_ATTRIBUTES.has(name)) return null;
  const known = [...new Set([...node.attrs.keys(), ...Object.keys(ATTRIBUTE_ALIASES), ...NULLABLE_ATTRIBUTES])].sort();
  throw new W3cError('invalid argument', `'${requested}' attribute is unknown for the element. Only the following attributes are supported: [${known.join(', ')}]`);
}

function rect(node: SnapshotNode): { x: number; y: number; width: number; height: number } {
  const [l, t, r, b] = node.node!.bounds;
  return { x: l, y: t, width: r - l, height: b - t };
}

/** Element routes: find, act, read (AppiumServlet's element half). */
export function registerElementRoutes(router: Router<RouteContext>): void {
  router
    .add('POST', '/session/:sessionId/element', (c, { body }) => find(c, body, false))
    .add('POST', '/session/:sessionId/elements', (c, { body }) => find(c, body, true))
    .add('POST', '/session/:sessionId/element/:id/element', (c, { body, params }) => find(c, body, false, params.id))
    .add('POST', '/session/:sessionId/element/:id/elements', (c, { body, params }) => find(c, body, true, params.id))
    .add('GET', '/session/:sessionId/element/active', (c) => {
      const focused = descendants(c.snapshot()).find((n) => n.attrs.get('focused') === 'true');
      if (!focused?.node) throw new W3cError('no such element', 'no element has input focus');
      return c.session.elements.reference(focused.node.key);
    })
    .add('POST', '/session/:sessionId/element/:id/click', (c, { params }) =>
      act(c, params.id!, async (key, node) => {
        try {
          await c.ui.click(key);
        } catch (error) {
          // UiObject2.click() taps the element's centre whether or not it is marked clickable.
          if (!/not clickable/i.test(error instanceof Error ? error.message : '')) throw error;
          const p = center(node);
          await c.ui.tap(p.x, p.y);
        }
      }),
    )
    .add('POST', '/session/:sessionId/element/:id/clear', (c, { params }) => act(c, params.id!, (key) => c.ui.clear(key)))
    .add('POST', '/session/:sessionId/element/:id/value', (c, { body, params }) => {
      let text = typeof body.text === 'string' ? body.text : Array.isArray(body.value) ? body.value.join('') : undefined;
      if (text === undefined) throw new W3cError('invalid argument', "POST /element/:id/value needs 'text' (a string) or 'value' (an array of characters)");
      const replace = body.replace === true || body.replace === 'true';
      // A trailing newline (or WebDriver's Enter key) presses ENTER after typing, as the real server does.
      const enter = /(\n|\uE007|\uE006)$/.test(text);
      if (enter) text = text.replace(/(\n|\uE007|\uE006)$/, '');
      return act(c, params.id!, async (key) => {
        await c.ui.setText(key, text!, { replace });
        if (enter) await c.ui.pressKey(66);
      });
    })
    .add('GET', '/session/:sessionId/element/:id/text', (c, { params }) => displayedText(c.element(params.id!).node.node!))
    .add('GET', '/session/:sessionId/element/:id/attribute/:name', (c, { params }) => attribute(c.element(params.id!).node, params.name!))
    .add('GET', '/session/:sessionId/element/:id/rect', (c, { params }) => rect(c.element(params.id!).node))
    .add('GET', '/session/:sessionId/element/:id/location', (c, { params }) => {
      const { x, y } = rect(c.element(params.id!).node);
      return { x, y };
    })
    .add('GET', '/session/:sessionId/element/:id/location_in_view', (c, { params }) => {
      const { x, y } = rect(c.element(params.id!).node);
      return { x, y };
    })
    .add('GET', '/session/:sessionId/element/:id/size', (c, { params }) => {
      const { width, height } = rect(c.element(params.id!).node);
      return { width, height };
    })
    .add('GET', '/session/:sessionId/element/:id/name', (c, { params }) => c.element(params.id!).node.attrs.get('content-desc') ?? null)
    .add('GET', '/session/:sessionId/element/:id/displayed', (c, { params }) => c.element(params.id!).node.attrs.get('displayed') === 'true')
    .add('GET', '/session/:sessionId/element/:id/enabled', (c, { params }) => c.element(params.id!).node.attrs.get('enabled') === 'true')
    .add('GET', '/session/:sessionId/element/:id/selected', (c, { params }) => {
      const a = c.element(params.id!).node.attrs;
      return a.get('selected') === 'true' || a.get('checked') === 'true';
    })
    .add('GET', '/session/:sessionId/element/:id/screenshot', async (c, { params }) => {
      const r = rect(c.element(params.id!).node);
      return cropPng(await c.server.options.screenshot(), r).toString('base64');
    });
}

/** The part of a screenshot under an element (clipped to the screen). */
function cropPng(png: Buffer, r: { x: number; y: number; width: number; height: number }): Buffer {
  const full = PNG.sync.read(png);
  const x = Math.max(0, Math.min(r.x, full.width));
  const y = Math.max(0, Math.min(r.y, full.height));
  const width = Math.max(1, Math.min(r.width, full.width - x));
  const height = Math.max(1, Math.min(r.height, full.height - y));
  const out = new PNG({ width, height });
  PNG.bitblt(full, out, x, y, Math.min(width, full.width - x), Math.min(height, full.height - y), 0, 0);
  return PNG.sync.write(out);
}
