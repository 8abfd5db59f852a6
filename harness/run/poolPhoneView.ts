import type { BrowserMode } from '../detect/index.js';
import type { IdentifierName } from '../device/index.js';
import type { OpenBrowserOptions, ScenarioBrowser, ScenarioIdentifier, ScenarioPhone } from '../scenario/index.js';

/**
 * A phone as a suite sees it in a farm run: named after its pool (the phones that may stand in for
 * each other), so a test has the same title whichever phone of the pool runs it — shards and
 * retries rely on that. `only` narrows the browsers a suite sees while the run plans its work.
 */
export class PoolPhoneView implements ScenarioPhone {
  constructor(private readonly phone: ScenarioPhone, readonly name: string, private readonly only?: readonly string[]) {}

  get model(): string | undefined {
    return this.phone.model;
  }

  browsers(only?: readonly string[]): string[] {
    const list = this.phone.browsers(only);
    return this.only ? list.filter((b) => this.only!.includes(b)) : list;
  }

  appVersion(browser: string): string | undefined {
    return this.phone.appVersion(browser);
  }

  openBrowser(browser: string, mode: BrowserMode, options?: OpenBrowserOptions): Promise<ScenarioBrowser> {
    return this.phone.openBrowser(browser, mode, options);
  }

  addContact(contact?: { name?: string; number?: string }): Promise<ScenarioIdentifier> {
    return this.phone.addContact(contact);
  }

  identifier(name: IdentifierName): ScenarioIdentifier {
    return this.phone.identifier(name);
  }

  sendToBackground(): Promise<void> {
    return this.phone.sendToBackground();
  }

  waitForTelemetry(options?: { quietMs?: number; timeoutMs?: number }): Promise<void> {
    return this.phone.waitForTelemetry(options);
  }
}
