/**
 * A CORS preflight that no request followed is a blind spot on its host: the browser asked whether
 * it may send a request (an Authorization header, a JSON body, a PUT …), and either the answer
 * refused it or the request never reached the capture, so whatever it would have carried went
 * unseen. The follow-up is the same URL with the method the preflight asked for (Fetch standard,
 * "CORS-preflight fetch": the preflight is made to the request's own URL,
 * https://fetch.spec.whatwg.org/#cors-preflight-fetch).
 */
import type { BlindSpot, Flow } from '../capture/types.js';

/** How long after its preflight the request may come (browsers send it at once, on the same connection). */
export const PREFLIGHT_FOLLOW_MS = 5000;

interface Pending {
  flow: Flow;
  method: string;
  headers: string;
  key: string;
}

function header(flow: Flow, name: string): string | undefined {
  return flow.request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function urlKey(flow: Flow): string {
  const scheme = flow.scheme === 'wss' ? 'https' : flow.scheme === 'ws' ? 'http' : flow.scheme;
  return `${scheme}://${flow.host.toLowerCase()}:${flow.port}${flow.path}?${flow.query}`;
}

/** Watches flows (in any order) and names each preflight no request followed within PREFLIGHT_FOLLOW_MS. */
export class PreflightWatch {
  readonly #pending: Pending[] = [];
  /** Requests that may be follow-ups: start times by `METHOD url`. */
  readonly #requests = new Map<string, number[]>();

  constructor(readonly followMs = PREFLIGHT_FOLLOW_MS) {}

  observe(flow: Flow): void {
    const key = urlKey(flow);
    const asked = header(flow, 'access-control-request-method');
    if (flow.method === 'OPTIONS' && asked && header(flow, 'origin') !== undefined) {
      this.#pending.push({ flow, method: asked.trim().toUpperCase(), headers: header(flow, 'access-control-request-headers') ?? '', key });
      return;
    }
    const name = `${flow.method.toUpperCase()} ${key}`;
    const times = this.#requests.get(name);
    if (times) times.push(flow.startedAt);
    else this.#requests.set(name, [flow.startedAt]);
  }

  blindSpots(): BlindSpot[] {
    const spots: BlindSpot[] = [];
    for (const p of this.#pending) {
      const times = this.#requests.get(`${p.method} ${p.key}`) ?? [];
      if (times.some((t) => t >= p.flow.startedAt && t <= p.flow.endedAt + this.followMs)) continue;
      const status = p.flow.response ? `answered ${p.flow.response.status}` : `not answered${p.flow.error ? ` (${p.flow.error})` : ''}`;
      spots.push({
        id: `preflight-${p.flow.id}`,
        time: p.flow.startedAt,
        reason: 'preflight-unfollowed',
        host: p.flow.host,
        flowId: p.flow.id,
        detail: `CORS preflight for ${p.method} ${p.flow.path}${p.headers ? ` with headers ${p.headers}` : ''} (${status}) was not followed by its request within ${this.followMs / 1000} s: the browser withheld what it would have sent`,
      });
    }
    return spots;
  }
}
