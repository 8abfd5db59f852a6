import type { UiNode } from '../ui.js';

/** What a node does when UiAutomator acts on it. */
export interface NodeActions {
  click?: () => Promise<void> | void;
  setText?: (text: string, replace: boolean) => Promise<void> | void;
  clear?: () => Promise<void> | void;
}

/** A screen as built for one hierarchy() call: the tree and the actions of its nodes, by key. */
export interface Screen {
  root: UiNode;
  actions: Map<string, NodeActions>;
}

type NodeSpec = Omit<UiNode, 'children' | 'bounds'> & { bounds: [number, number, number, number]; children?: UiNode[] };

/** Builds a UiNode tree and records each node's actions beside it (the tree itself stays plain data). */
export class ScreenBuilder {
  readonly actions = new Map<string, NodeActions>();

  node(spec: NodeSpec, actions?: NodeActions): UiNode {
    const bounds = spec.bounds.map((v) => Math.round(v)) as UiNode['bounds'];
    const node: UiNode = { enabled: true, displayed: true, ...spec, bounds, children: spec.children ?? [] };
    if (actions) {
      this.actions.set(spec.key, actions);
      node.clickable = spec.clickable ?? actions.click !== undefined;
    }
    return node;
  }

  screen(root: UiNode): Screen {
    return { root, actions: this.actions };
  }
}

/** Display metrics and a dp -> px conversion for layouts. */
export class Layout {
  constructor(readonly width: number, readonly height: number, readonly density: number) {}
  dp(value: number): number {
    return Math.round((value * this.density) / 160);
  }
  get statusBar(): number {
    return this.dp(24);
  }
}

/** The topmost node at a point whose key has actions (hit testing for `input tap`). */
export function nodeAt(screen: Screen, x: number, y: number): UiNode | null {
  let hit: UiNode | null = null;
  const visit = (node: UiNode) => {
    const [l, t, r, b] = node.bounds;
    if (x < l || x >= r || y < t || y >= b) return;
    if (screen.actions.has(node.key)) hit = node;
    for (const child of node.children) visit(child);
  };
  visit(screen.root);
  return hit;
}
