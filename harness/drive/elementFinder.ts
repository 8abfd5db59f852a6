import type { Locator, LocatorName } from './browsers/types.js';
import { delay } from '../device/index.js';

/** The W3C element reference key. */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** The few WebDriver protocol calls the finder needs (a WebdriverIO browser has them). */
export interface FinderDriver {
  findElements(using: string, value: string): Promise<Array<Record<string, string>>>;
}

export interface FoundElement {
  id: string;
  /** The candidate that matched, for messages ("found by accessibility id 'Go'"). */
  locator: Locator;
}

/** Turns a profile locator into an Appium (strategy, selector) pair. */
export function toSelector(locator: Locator): { using: string; value: string } {
  if (locator.strategy === 'text') return { using: 'xpath', value: `//*[@text=${xpathLiteral(locator.value)}]` };
  return { using: locator.strategy, value: locator.value };
}

export function describeLocator(locator: Locator): string {
  return `${locator.strategy} '${locator.value}'`;
}

/**
 * Finds elements by a profile's candidate list (resource-id first, then accessibility id, then
 * text), polling until one matches or the time is up. No implicit waits: every wait is explicit.
 */
export class ElementFinder<N extends string = LocatorName> {
  constructor(private readonly driver: FinderDriver, private readonly table: Record<N, Locator[]>, private readonly pollMs = 150) {}

  locators(name: N): Locator[] {
    return this.table[name];
  }

  /** First match, or undefined when none appeared within timeoutMs (0: look once). */
  async find(name: N, timeoutMs: number): Promise<FoundElement | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const locator of this.table[name]) {
        const { using, value } = toSelector(locator);
        const found = await this.driver.findElements(using, value);
        const id = found[0]?.[ELEMENT_KEY];
        if (id) return { id, locator };
      }
      if (Date.now() >= deadline) return undefined;
      await delay(this.pollMs);
    }
  }

  /** Waits until no candidate matches (a dialog closed, the indicator went). */
  async gone(name: N, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.find(name, 0))) return true;
      if (Date.now() >= deadline) return false;
      await delay(this.pollMs);
    }
  }
}

function xpathLiteral(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat(${text.split('"').map((part) => `"${part}"`).join(`, '"', `)})`;
}
