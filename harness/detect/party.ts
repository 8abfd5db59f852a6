/**
 * First or third party, by registrable domain (tldts, Public Suffix List). A visit's first party is
 * the visited site's domain plus every domain it redirected to during the visit; any other domain
 * that receives one of the visit's canaries is a third party.
 */
import { getDomain } from 'tldts';
import type { Flow } from '../capture/types.js';
import type { Party, Visit } from './types.js';

/** example.co.uk for www.example.co.uk; the host itself for IP addresses and single-label names. */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return getDomain(h) ?? h;
}

export function hostOfUrl(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

interface Redirect {
  from: string;
  to: string;
  time: number;
}

/** Collects redirects from flows, then says which domains are first party for a visit. */
export class FirstPartyResolver {
  readonly #redirects: Redirect[] = [];
  readonly #cache = new Map<string, Set<string>>();

  constructor(readonly graceMs: number) {}

  observe(flow: Flow): void {
    const status = flow.response?.status ?? 0;
    if (status < 300 || status >= 400) return;
    const location = flow.response!.headers.find(([name]) => name.toLowerCase() === 'location')?.[1];
    if (!location) return;
    let target: string;
    try {
      target = new URL(location, `${flow.scheme === 'wss' ? 'https' : flow.scheme === 'ws' ? 'http' : flow.scheme}://${flow.host}`).hostname;
    } catch {
      return;
    }
    this.#redirects.push({ from: registrableDomain(flow.host), to: registrableDomain(target), time: flow.startedAt });
    this.#cache.clear();
  }

  domainsOf(visit: Visit): Set<string> {
    const cached = this.#cache.get(visit.id);
    if (cached) return cached;
    const host = hostOfUrl(visit.url);
    const domains = new Set<string>(host ? [registrableDomain(host)] : []);
    const from = visit.t0 - 1000;
    const until = visit.t1 + this.graceMs;
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of this.#redirects) {
        if (r.time >= from && r.time <= until && domains.has(r.from) && !domains.has(r.to)) {
          domains.add(r.to);
          grew = true;
        }
      }
    }
    this.#cache.set(visit.id, domains);
    return domains;
  }

  partyOf(host: string, visit: Visit | undefined, firstPartyDomains: ReadonlySet<string>): Party {
    const domain = registrableDomain(host);
    if (firstPartyDomains.has(domain)) return 'first-party';
    return visit && this.domainsOf(visit).has(domain) ? 'first-party' : 'third-party';
  }
}
