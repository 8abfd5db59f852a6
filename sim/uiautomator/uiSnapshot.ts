import type { UiNode } from '../ui.js';

/**
 * One frozen view of the window hierarchy, as UiAutomator's dumper sees it: the synthetic
 * `hierarchy` root, element tags from class names, and each node's attributes in the dump's order.
 * Page source, XPath and the other locators all read the same snapshot, so they always agree.
 */
export interface SnapshotNode {
  /** The UI node; null for the `hierarchy` root. */
  node: UiNode | null;
  tag: string;
  /** Attribute name -> value, in dump order (absent values are left out, as the dumper does). */
  attrs: Map<string, string>;
  children: SnapshotNode[];
  parent: SnapshotNode | null;
}

export interface SnapshotOptions {
  display: { width: number; height: number; rotation: number };
  /** The `allowInvisibleElements` setting: include nodes whose displayed is false. */
  includeInvisible: boolean;
  /** Safety bound on nodes walked (a hostile or broken tree cannot exhaust memory). */
  maxNodes?: number;
}

const DEFAULT_MAX_NODES = 20_000;
/** Windows get ids the way Android numbers them; one app window here. */
const WINDOW_ID = '2';

/** The dumper's element name for a class: `$@#&` become dots, repeated dots collapse. */
export function tagFor(className: string): string {
  const tag = className.replace(/[$@#&]/g, '.').replace(/\.+/g, '.').replace(/^\.|\.$/g, '');
  return /^[A-Za-z_][\w.-]*$/.test(tag) ? tag : 'android.view.View';
}

export function boundsText(b: UiNode['bounds']): string {
  return `[${b[0]},${b[1]}][${b[2]},${b[3]}]`;
}

/** Android reports an empty EditText's hint as its text (showing-hint=true); UiAutomator passes it on. */
export function showsHint(node: UiNode): boolean {
  return !node.text && node.hint !== undefined && node.hint !== '' && /EditText|AutoCompleteTextView/.test(node.className);
}

export function displayedText(node: UiNode): string {
  return showsHint(node) ? node.hint! : (node.text ?? '');
}

function attributesOf(node: UiNode, index: number, drawingOrder: number): Map<string, string> {
  const flag = (v: boolean | undefined, dflt = false) => String(v ?? dflt);
  const a = new Map<string, string>();
  a.set('index', String(index));
  a.set('package', node.package);
  a.set('class', node.className);
  a.set('text', displayedText(node));
  if (node.contentDesc !== undefined) a.set('content-desc', node.contentDesc);
  a.set('resource-id', node.resourceId ?? '');
  a.set('checkable', flag(node.checkable));
  a.set('checked', flag(node.checked));
  a.set('clickable', flag(node.clickable));
  a.set('enabled', flag(node.enabled, true));
  a.set('focusable', flag(node.focusable));
  a.set('focused', flag(node.focused));
  a.set('long-clickable', 'false');
  a.set('password', flag(node.password));
  a.set('scrollable', flag(node.scrollable));
  a.set('selected', flag(node.selected));
  a.set('bounds', boundsText(node.bounds));
  a.set('displayed', flag(node.displayed, true));
  if (node.hint !== undefined) a.set('hint', node.hint);
  a.set('a11y-important', 'true');
  a.set('screen-reader-focusable', 'false');
  a.set('input-type', /EditText/.test(node.className) ? (node.password ? '129' : '1') : '0');
  a.set('drawing-order', String(drawingOrder));
  a.set('showing-hint', String(showsHint(node)));
  a.set('text-entry-key', 'false');
  a.set('multiline', 'false');
  a.set('dismissable', 'false');
  a.set('a11y-focused', 'false');
  a.set('heading', 'false');
  a.set('live-region', '0');
  a.set('context-clickable', 'false');
  a.set('content-invalid', 'false');
  a.set('window-id', WINDOW_ID);
  return a;
}

export function takeSnapshot(root: UiNode, options: SnapshotOptions): SnapshotNode {
  const max = options.maxNodes ?? DEFAULT_MAX_NODES;
  let count = 0;
  const top: SnapshotNode = {
    node: null,
    tag: 'hierarchy',
    attrs: new Map([
      ['index', '0'],
      ['class', 'hierarchy'],
      ['rotation', String(options.display.rotation)],
      ['width', String(options.display.width)],
      ['height', String(options.display.height)],
    ]),
    children: [],
    parent: null,
  };
  const visit = (node: UiNode, parent: SnapshotNode, index: number, depth: number) => {
    if (++count > max || depth > 200) throw new Error(`the window hierarchy is larger than ${max} nodes or deeper than 200 levels`);
    const entry: SnapshotNode = { node, tag: tagFor(node.className), attrs: attributesOf(node, index, index + 1), children: [], parent };
    parent.children.push(entry);
    let i = 0;
    for (const child of node.children) {
      if (!options.includeInvisible && child.displayed === false) continue;
      visit(child, entry, i++, depth + 1);
    }
  };
  visit(root, top, 0, 0);
  return top;
}

/** Every element node below `from` in document order (not `from` itself). */
export function descendants(from: SnapshotNode): SnapshotNode[] {
  const out: SnapshotNode[] = [];
  const walk = (n: SnapshotNode) => {
    for (const c of n.children) {
      out.push(c);
      walk(c);
    }
  };
  walk(from);
  return out;
}

export function findByKey(root: SnapshotNode, key: string): SnapshotNode | null {
  if (root.node?.key === key) return root;
  for (const c of root.children) {
    const hit = findByKey(c, key);
    if (hit) return hit;
  }
  return null;
}

/** The centre of a node's bounds (where UiAutomator taps it). */
export function centerOf(n: SnapshotNode): { x: number; y: number } {
  const [l, t, r, b] = n.node!.bounds;
  return { x: Math.round((l + r) / 2), y: Math.round((t + b) / 2) };
}
