import { randomUUID } from 'node:crypto';

/** W3C's element key; the server also sends the legacy JSONWP `ELEMENT` key beside it. */
export const W3C_ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

export interface ElementReference {
  ELEMENT: string;
  [W3C_ELEMENT_KEY]: string;
}

/**
 * Element ids of one session, mapped to UI node keys: the same node always gets the same id, and
 * an id whose node has left the screen is stale (the caller checks the current tree). Bounded so
 * a client finding elements in a loop cannot grow it without limit: the oldest ids are forgotten.
 */
export class ElementRegistry {
  private readonly byId = new Map<string, string>();
  private readonly byKey = new Map<string, string>();

  constructor(private readonly limit = 10_000) {}

  idFor(key: string): string {
    const known = this.byKey.get(key);
    if (known) return known;
    const id = randomUUID();
    this.byId.set(id, key);
    this.byKey.set(key, id);
    if (this.byId.size > this.limit) {
      const [oldId, oldKey] = this.byId.entries().next().value as [string, string];
      this.byId.delete(oldId);
      this.byKey.delete(oldKey);
    }
    return id;
  }

  keyOf(id: string): string | undefined {
    return this.byId.get(id);
  }

  reference(key: string): ElementReference {
    const id = this.idFor(key);
    return { ELEMENT: id, [W3C_ELEMENT_KEY]: id };
  }
}

/** The element id inside a W3C / JSONWP element reference, or a plain id string. */
export function elementIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const id = v[W3C_ELEMENT_KEY] ?? v.ELEMENT;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}
