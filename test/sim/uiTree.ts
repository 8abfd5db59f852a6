import type { UiNode } from '../../sim/ui.js';

/** The first node of the tree (depth first, the root included) that `pred` accepts. */
export function findNode(root: UiNode, pred: (n: UiNode) => boolean): UiNode | null {
  if (pred(root)) return root;
  for (const c of root.children) {
    const f = findNode(c, pred);
    if (f) return f;
  }
  return null;
}

/** Every node of the tree that `pred` accepts, in depth-first order. */
export function findNodes(root: UiNode, pred: (n: UiNode) => boolean, out: UiNode[] = []): UiNode[] {
  if (pred(root)) out.push(root);
  for (const c of root.children) findNodes(c, pred, out);
  return out;
}
