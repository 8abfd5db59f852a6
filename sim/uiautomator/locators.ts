import type { SnapshotNode } from './uiSnapshot.js';
import { descendants } from './uiSnapshot.js';
import { evaluateUiSelector, UiSelectorSyntaxError } from './uiSelector.js';
import { W3cError } from './w3cError.js';
import { evaluateXPath, XPathSyntaxError } from './xpath.js';

/** Strategies the real server accepts (ElementsLookupStrategy); `css selector` is turned into UiSelector by the driver. */
export const STRATEGIES = ['id', 'accessibility id', 'class name', 'xpath', '-android uiautomator'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * Finds elements below `context` (the whole screen when it is the snapshot root). An `id` without
 * a package is matched as `<current package>:id/<id>`, then `android:id/<id>`, as the real server
 * rewrites it.
 */
export function locate(strategy: string, selector: string, top: SnapshotNode, context: SnapshotNode): SnapshotNode[] {
  if (typeof selector !== 'string' || selector === '') throw new W3cError('invalid argument', `the '${strategy}' selector must be a non-empty string`);
  const below = () => descendants(context);
  try {
    switch (strategy) {
      case 'id': {
        const candidates = selector.includes(':id/') ? [selector] : [`${currentPackage(top)}:id/${selector}`, `android:id/${selector}`, selector];
        for (const id of candidates) {
          const hits = below().filter((n) => n.attrs.get('resource-id') === id);
          if (hits.length > 0) return hits;
        }
        return [];
      }
      case 'accessibility id':
        return below().filter((n) => n.attrs.get('content-desc') === selector);
      case 'class name':
        return below().filter((n) => n.attrs.get('class') === selector);
      case 'xpath': {
        if (context === top) return evaluateXPath(selector, top);
        // With a context element the real server dumps that subtree and runs the XPath over it.
        const scoped: SnapshotNode = { node: null, tag: 'hierarchy', attrs: top.attrs, children: [context], parent: null };
        return evaluateXPath(selector, scoped);
      }
      case '-android uiautomator':
        return evaluateUiSelector(selector, context);
      default:
        throw new W3cError('invalid selector', `locator strategy '${strategy}' is not supported; use one of: ${STRATEGIES.join(', ')}`);
    }
  } catch (error) {
    if (error instanceof XPathSyntaxError) throw new W3cError('invalid selector', `unable to parse the XPath '${selector}': ${error.message}`);
    if (error instanceof UiSelectorSyntaxError) throw new W3cError('invalid selector', `unable to parse the UiSelector '${selector}': ${error.message}`);
    throw error;
  }
}

/** The package of the window in front (the first real node under the hierarchy root). */
export function currentPackage(top: SnapshotNode): string {
  return top.children[0]?.node?.package ?? '';
}
