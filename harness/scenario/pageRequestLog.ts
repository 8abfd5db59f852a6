import type { CaptureSidecar, Flow } from '../capture/index.js';
import type { CaptureWitness } from '../drive/index.js';

const KEEP = 500;

/**
 * The phone's recent page requests as its capture recorded them: lets drive count a navigation as
 * done when the page's own request reached the capture, whatever the address bar displays
 * (Chromium omniboxes show only the host, some a title). Bounded to the last KEEP flows.
 */
export class PageRequestLog implements CaptureWitness {
  readonly #seen: Array<{ at: number; host: string; target: string }> = [];
  readonly #onFlow = (flow: Flow) => {
    this.#seen.push({ at: flow.startedAt, host: flow.host.toLowerCase(), target: `${flow.path}${flow.query ? `?${flow.query}` : ''}` });
    if (this.#seen.length > KEEP) this.#seen.shift();
  };

  constructor(private readonly sidecar: CaptureSidecar) {
    sidecar.on('flow', this.#onFlow);
  }

  sawRequest(page: URL, since: number): boolean {
    const host = page.hostname.toLowerCase();
    const target = `${page.pathname}${page.search}`;
    return this.#seen.some((s) => s.at >= since && s.host === host && s.target === target);
  }

  stop(): void {
    this.sidecar.off('flow', this.#onFlow);
  }
}
